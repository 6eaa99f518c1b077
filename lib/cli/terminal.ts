import { clearLine, cursorTo, type Interface } from 'node:readline';
import type { ChatMessage } from '../types.js';
import { printable } from '../util/text.js';

/** Prints a line above the readline prompt without mangling what the user is typing. */
export function printAbove(rl: Interface | undefined, line: string): void {
  if (rl === undefined || !process.stdout.isTTY) {
    process.stdout.write(`${line}\n`);
    return;
  }
  cursorTo(process.stdout, 0);
  clearLine(process.stdout, 0);
  process.stdout.write(`${line}\n`);
  rl.prompt(true);
}

/** `12:04:05` for a timestamp. */
export function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** One line for a chat message, with control characters from the wire neutralised. */
export function formatChatMessage(message: ChatMessage): string {
  const text = printable(message.text);
  const where = message.room === undefined ? `${message.from} -> ${message.to}` : message.room;
  const who = message.system === true ? '***' : `${message.from}:`;
  return message.room === undefined ? `${clock(message.at)} [${where}] ${text}` : `${clock(message.at)} [${where}] ${who} ${text}`;
}

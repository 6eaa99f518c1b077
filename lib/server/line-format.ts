import type { ChatMessage, LeaveReason } from '../types.js';

import type { FileInfo } from '../types.js';
import { printable } from '../util/text.js';

export { printable };

/** `[lobby] alice: hi`, `[alice -> you] psst` or `[lobby] *** text` for a system message. */
export function formatMessage(message: ChatMessage): string {
  const text = printable(message.text);
  if (message.room === undefined) return `[${message.from} -> you] ${text}`;
  if (message.system === true) return `[${message.room}] *** ${text}`;
  return `[${message.room}] ${message.from}: ${text}`;
}

/** `alice entered lobby`, in the words of the original exercise. */
export function formatJoin(user: string, room: string): string {
  return `${user} entered ${room}`;
}

/** `alice left dev`. */
export function formatLeave(user: string, room: string): string {
  return `${user} left ${room}`;
}

/** `alice is offline`, once per departure whatever the rooms shared. */
export function formatOffline(user: string, reason: LeaveReason): string {
  return reason === 'timeout' ? `${user} is offline (timed out)` : `${user} is offline`;
}

/** `1.5 MiB` for a byte count. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `[lobby] alice shared report.pdf (1.2 MiB), id 0123…` — how a line-mode user hears of a new file. */
export function formatFileShared(file: FileInfo): string {
  const where = file.room === undefined ? `${file.from} -> you` : file.room;
  return `[${where}] ${file.from} shared ${printable(file.name)} (${formatSize(file.size)}), id ${file.id}`;
}

/** One line of `/files`. */
export function formatFileLine(file: FileInfo): string {
  const where = file.room === undefined ? `${file.from} -> ${file.to}` : file.room;
  return `${file.id}  ${formatSize(file.size).padStart(10)}  [${where}] ${file.from}: ${printable(file.name)}`;
}

/** An error or refusal. */
export function formatError(message: string): string {
  return `! ${message}`;
}

/** The command summary shown by `/help`. */
export const HELP_TEXT = [
  'Commands:',
  '  <text>               say <text> in the current room',
  '  /join <room>         join a room (or switch to it) and talk there',
  '  /leave [room]        leave a room (default: the current one)',
  '  /msg <user> <text>   send a private message',
  '  /users [room]        who is in a room (default: the current one; * for everyone)',
  '  /rooms               rooms and their members',
  '  /files [room]        files shared with you (download them with a PieChat client)',
  '  /nick <name>         choose your name (before you have one)',
  '  /quit                leave the chat',
].join('\r\n');

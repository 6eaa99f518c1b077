import type { ChatMessage, LeaveReason } from '../types.js';

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
  '  /nick <name>         choose your name (before you have one)',
  '  /quit                leave the chat',
].join('\r\n');

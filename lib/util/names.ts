import { PieChatError } from '../errors.js';

/** Letters, digits, `_`, `-` and `.`: no spaces, control characters or path separators. */
const NAME_PATTERN = /^[\p{L}\p{N}_.-]+$/u;

/** Quotes a value from the wire for an error message, cut to a readable length. */
export function quote(value: unknown, max = 64): string {
  const text = String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Case-insensitive key under which a user name is unique. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Checks a user name: 1–`maxLength` characters of letters, digits, `_`, `-` and `.`.
 * Throws `ERR_INVALID_NAME` with the reason.
 */
export function assertUserName(name: unknown, maxLength: number): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new PieChatError('ERR_INVALID_NAME', 'A name is required');
  }
  if (name.length > maxLength) {
    throw new PieChatError('ERR_INVALID_NAME', `Name is longer than ${maxLength} characters`);
  }
  if (!NAME_PATTERN.test(name)) {
    throw new PieChatError('ERR_INVALID_NAME', `Name ${quote(name)} may only contain letters, digits, "_", "-" and "."`);
  }
}

/** Longest room name. */
export const MAX_ROOM_NAME_LENGTH = 64;

/**
 * Checks a room name: 1–64 characters of letters, digits, `_`, `-` and `.`. Room names are
 * case-sensitive. Throws `ERR_INVALID_ROOM`.
 */
export function assertRoomName(room: unknown): asserts room is string {
  if (typeof room !== 'string' || room.length === 0 || room.length > MAX_ROOM_NAME_LENGTH || !NAME_PATTERN.test(room)) {
    throw new PieChatError(
      'ERR_INVALID_ROOM',
      `Room name ${quote(room)} must be 1-${MAX_ROOM_NAME_LENGTH} letters, digits, "_", "-" or "."`,
    );
  }
}

import { assertOptions, describe } from '../util/assert.js';
import { assertRoomName } from '../util/names.js';

/** Where a message goes: a room the client is in, or one user. */
export type SendTarget = RoomTarget | UserTarget;

/** A message for everyone in a room. */
export interface RoomTarget {
  /** A room the client is in. */
  room: string;
  /** Not allowed with `room`. */
  to?: never;
}

/** A private message for one user. */
export interface UserTarget {
  /** The recipient's name (case-insensitive). */
  to: string;
  /** Not allowed with `to`. */
  room?: never;
}

/**
 * The life of a client: `idle` until `connect()`, `connected`, `reconnecting` after a lost
 * connection (back to `connected`, or to `idle` if it gives up), `closed` after `close()`.
 */
export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Checks `send()`'s arguments; returns the target, or throws the `TypeError` it rejects with. */
export function checkSendArguments(text: unknown, target: unknown): { room: string } | { to: string } {
  if (typeof text !== 'string' || text.length === 0) throw new TypeError(`Expected \`text\` to be a non-empty string, got \`${describe(text)}\``);
  assertOptions('target', target);
  const { room, to } = target as { room?: unknown; to?: unknown };
  if ((room === undefined) === (to === undefined) || (room !== undefined && typeof room !== 'string') || (to !== undefined && typeof to !== 'string')) {
    throw new TypeError('Expected `target` to be `{ room: string }` or `{ to: string }`');
  }
  return room !== undefined ? { room: room as string } : { to: to as string };
}

/** A room argument: a `TypeError` if it is not a string, `ERR_INVALID_ROOM` if it is not a valid name. */
export function checkRoomArgument(room: unknown): asserts room is string {
  if (typeof room !== 'string') throw new TypeError(`Expected \`room\` to be a string, got \`${describe(room)}\``);
  assertRoomName(room);
}

import type { LeaveReason } from '../types.js';
import type { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';

/**
 * A connected user as the hub routes to it: a binary session or a line-mode session.
 * The hub owns `rooms`; the session only reads them.
 */
export interface Member {
  /** The user's name. */
  readonly name: string;
  /** `binary` for PieChat clients, `line` for telnet/`nc` users. */
  readonly mode: 'binary' | 'line';
  /** Remote address of the connection. */
  readonly address: string;
  /** When the user was admitted (ms since epoch). */
  readonly connectedAt: number;
  /** What the `authenticate` hook attached to the user, if anything. */
  readonly authData?: Readonly<Record<string, unknown>>;
  /** Rooms the user is in, in the order joined (maintained by the hub). */
  readonly rooms: Set<string>;
  /** A message for a room the user is in, or addressed to the user. */
  deliverMessage(delivery: MessageDelivery): void;
  /** A file was stored in a room this user is in, or privately for this user. */
  deliverFile(delivery: FileDelivery): void;
  /** Another user joined a room this user is in. */
  deliverJoin(delivery: JoinDelivery): void;
  /** Another user left a room this user is in. */
  deliverLeave(delivery: LeaveDelivery): void;
  /** Another user who shared at least one room with this user disconnected (after its leaves). */
  deliverOffline(user: string, reason: LeaveReason): void;
  /** Disconnects the user on the server's initiative, telling it why. */
  closeBy(reason: LeaveReason, message: string, retryAfterMs?: number): void;
}

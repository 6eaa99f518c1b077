import type { PieChatError } from '../errors.js';
import type { BoundAddress, ChatMessage, FileInfo, JoinEvent, LeaveEvent, LeaveReason, ServerTransferProgress, UserInfo } from '../types.js';

/** Payload of the server's `transfer-end` event: an upload or download finished, or failed. */
export interface TransferEndEvent {
  /** The user at the other end. */
  user: string;
  /** The client's id of the transfer (its `Transfer`'s `id`). */
  transferId: string;
  /** The file's id. */
  fileId: string;
  /** The file's display name. */
  name: string;
  /** `upload` (toward the server) or `download` (from it). */
  direction: 'upload' | 'download';
  /** Bytes moved before the end. */
  bytes: number;
  /** Size of the file. */
  total: number;
  /** Why it failed (`ERR_ABORTED`, `ERR_CHECKSUM`, `ERR_STORAGE`, `ERR_CLOSED`, ...); absent on success. */
  error?: PieChatError;
}

/** Payload of the server's `disconnect` event. */
export interface DisconnectEvent {
  /** The user's name. */
  user: string;
  /** Why the user left. */
  reason: LeaveReason;
  /** The error that ended the connection, unless it closed in order. */
  error?: PieChatError;
}

/** Payload of the server's `client-error` event: a connection broke a rule and was closed. */
export interface ClientErrorEvent {
  /** Remote address of the connection. */
  address: string;
  /** The user's name, when it got that far. */
  user?: string;
  /** What it did wrong (`ERR_PROTOCOL`, `ERR_FRAME_TOO_LARGE`, `ERR_TIMEOUT`, ...). */
  error: PieChatError;
}

/** Payload of the server's `suspend` event: a user's connection was lost, not closed. */
export interface SuspendEvent {
  /** The user, still in its rooms, its name reserved, for `resumeGraceMs`. */
  user: string;
  /** How the connection was lost (`disconnected`, `timeout`). */
  reason: LeaveReason;
  /** The error that ended the connection, if any. */
  error?: PieChatError;
}

/** Payload of the server's `resume` event: a client took its session back. */
export interface ResumeEvent {
  /** The user, back on a new connection. */
  user: string;
}

/** Payload of the server's `slow-consumer` event. */
export interface SlowConsumerEvent {
  /** The user that stopped reading. */
  user: string;
  /** Remote address of its connection. */
  address: string;
}

/**
 * Events of a {@link ChatServer}, as listener signatures: `server.on('join', ({ user, room }) => …)`.
 */
export interface ServerEvents {
  /** The server is bound and accepting connections. */
  listening: (address: BoundAddress) => void;
  /** A user completed its handshake; the `join`s of its default rooms follow. */
  connect: (user: UserInfo) => void;
  /**
   * A user is gone (after its `leave` events): its client closed, the server ended it, or its
   * connection was lost and not resumed within `resumeGraceMs`.
   */
  disconnect: (event: DisconnectEvent) => void;
  /** A user's connection was lost; the user stays in its rooms for `resumeGraceMs`, waiting for its client. */
  suspend: (event: SuspendEvent) => void;
  /** A client reconnected and took its session back (no leave or join was seen by anyone). */
  resume: (event: ResumeEvent) => void;
  /** A user joined a room (including the default rooms on arrival). */
  join: (event: JoinEvent) => void;
  /** A user left a room, or was removed from it by a disconnect. */
  leave: (event: LeaveEvent) => void;
  /** A room, private or system message was accepted and delivered. */
  message: (message: ChatMessage) => void;
  /** A file was stored and verified, and announced to its room or recipient. */
  file: (file: FileInfo) => void;
  /** A transfer the server carries moved forward (throttled; `bytes` only increases, the last equals `total`). */
  progress: (progress: ServerTransferProgress) => void;
  /** An upload or download ended, successfully or with `error`. */
  'transfer-end': (event: TransferEndEvent) => void;
  /** A connection broke the protocol or a deadline and was closed; the server carries on. */
  'client-error': (event: ClientErrorEvent) => void;
  /** A user stopped reading and was disconnected to keep the server's memory bounded. */
  'slow-consumer': (event: SlowConsumerEvent) => void;
  /** An error the server survived (a listener that threw, a failed accept). */
  error: (error: PieChatError) => void;
  /** `close()` finished: every connection is closed. */
  close: () => void;
}

import type { PieChatError } from '../errors.js';
import type { ChatMessage, FileInfo, JoinEvent, LeaveEvent, LeaveReason, ServerLimits, TransferProgress } from '../types.js';

/** What a client learns when its handshake completes (payload of `connect`, result of `connect()`). */
export interface ConnectInfo {
  /** The name the server admitted the client under. */
  name: string;
  /** Opaque id of this connection's session on the server. */
  session: string;
  /** The server's name (the `from` of its system messages). */
  server: string;
  /** Rooms the client is in on arrival. */
  rooms: string[];
  /** The server's limits. */
  limits: ServerLimits;
  /**
   * True after a reconnection that took the previous session over: the client stayed in its
   * rooms, and what it missed was replayed (see `gap` for what could not be).
   */
  resumed: boolean;
}

/** Payload of the client's `reconnecting` event: the next attempt and how long until it. */
export interface ReconnectingEvent {
  /** 1 for the first attempt after a loss. */
  attempt: number;
  /** Milliseconds until the attempt. */
  delayMs: number;
  /** Why the previous attempt failed (absent before the first). */
  error?: PieChatError;
}

/**
 * Payload of the client's `gap` event: after a reconnection, messages of a room (or, without
 * `room`, of the private inbox) may be missing: those after `after`, older than the server's
 * history, which resumes at `next`. With `reset`, the server's numbering restarted (it lost its
 * history, e.g. it restarted).
 */
export interface GapEvent {
  /** The room concerned; absent for the private inbox. */
  room?: string;
  /** The last `seq` the client had seen before the gap. */
  after: number;
  /** The first `seq` the server could still replay (or, with `reset`, the next it will assign). */
  next: number;
  /** Set when the server's numbering restarted: its history was lost. */
  reset?: true;
}

/** Payload of the client's `disconnect` event. */
export interface ClientDisconnectEvent {
  /** Why the connection ended, as far as the client knows. */
  reason: LeaveReason;
  /** The error that ended it, unless the client closed it in order. */
  error?: PieChatError;
  /** Whether the client will reconnect (and resume) by itself. */
  willReconnect: boolean;
}

/**
 * Events of a {@link ChatClient}, as listener signatures. A client's own messages, joins and
 * leaves are not echoed to it: `send()`, `join()` and `leave()` resolve with them instead.
 */
export interface ClientEvents {
  /** The handshake completed. */
  connect: (info: ConnectInfo) => void;
  /** Someone else's message in a room the client is in, a system message, or a private message to the client. */
  message: (message: ChatMessage) => void;
  /** Another user joined a room the client is in. */
  join: (event: JoinEvent) => void;
  /** Another user left a room the client is in. */
  leave: (event: LeaveEvent) => void;
  /** A file was stored in a room the client is in, or privately for it (not echoed to its uploader). */
  file: (file: FileInfo) => void;
  /** One of the client's transfers moved forward (the same reports as each `Transfer`'s `progress`). */
  progress: (progress: TransferProgress) => void;
  /** The connection's send buffer emptied (see `bufferedAmount`). */
  drain: () => void;
  /** The connection was lost; a reconnection attempt comes after `delayMs`. */
  reconnecting: (event: ReconnectingEvent) => void;
  /** After a reconnection, some messages could not be replayed: they are older than the server's history. */
  gap: (event: GapEvent) => void;
  /** The connection ended. */
  disconnect: (event: ClientDisconnectEvent) => void;
  /**
   * An error not tied to a call the app made: a listener of another event that threw
   * (`ERR_INTERNAL`, the original as `cause`), or the client giving up reconnecting (the server
   * refused it for good, `ERR_NAME_TAKEN` for example, or `maxAttempts` failed). A lost
   * connection itself is reported by `disconnect`.
   */
  error: (error: PieChatError) => void;
}

/** The `reason` of a `disconnect` the server did not explain (no `bye`), from the error, if any. */
export function leaveReasonFor(error: PieChatError | undefined): LeaveReason {
  switch (error?.code) {
    case 'ERR_TIMEOUT':
      return 'timeout';
    case undefined:
    case 'ERR_CLOSED':
    case 'ERR_NOT_CONNECTED':
      return 'disconnected';
    default:
      return 'error';
  }
}

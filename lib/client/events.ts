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
}

/** Payload of the client's `disconnect` event. */
export interface ClientDisconnectEvent {
  /** Why the connection ended, as far as the client knows. */
  reason: LeaveReason;
  /** The error that ended it, unless the client closed it in order. */
  error?: PieChatError;
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
  /** The connection ended. */
  disconnect: (event: ClientDisconnectEvent) => void;
  /**
   * An error not tied to a call the app made: today, a listener of another event that threw
   * (`ERR_INTERNAL`, the original as `cause`). A lost connection is reported by `disconnect`.
   */
  error: (error: PieChatError) => void;
}

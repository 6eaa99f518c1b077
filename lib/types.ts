/**
 * Plain data shapes shared by the server, the client and the wire protocol.
 * Every value here is JSON-safe: times are milliseconds since the Unix epoch.
 */

/** A chat message as the server accepted, stamped and numbered it. */
export interface ChatMessage {
  /** Server-assigned id, unique across the server's lifetime. */
  id: string;
  /**
   * Position in the room's timeline (or, for a private message, in the recipient's inbox).
   * Increases by one per message; resumption and de-duplication rely on it.
   */
  seq: number;
  /** The room the message was sent to; absent for private messages. */
  room?: string;
  /** The recipient of a private message; absent for room messages. */
  to?: string;
  /** The sender's name, stamped by the server (a client cannot speak as another). */
  from: string;
  /** The message text. */
  text: string;
  /** When the server accepted the message (ms since epoch). */
  at: number;
  /** True for messages the server itself sent (`server.broadcast()`). */
  system?: boolean;
}

/** Why a user left a room. */
export type LeaveReason =
  /** The user called `leave()` or `/leave`. */
  | 'left'
  /** The connection was closed by the user or the network. */
  | 'disconnected'
  /** The connection stopped answering heartbeats. */
  | 'timeout'
  /** The connection broke a protocol rule and was closed. */
  | 'error'
  /** The server disconnected the user (`server.kick()`). */
  | 'kicked'
  /** The server is shutting down. */
  | 'shutdown'
  /** The user stopped reading and its output buffer overflowed. */
  | 'slow-consumer';

/** Payload of `join` events: `user` entered `room`. */
export interface JoinEvent {
  /** The room joined. */
  room: string;
  /** The name of the user who joined. */
  user: string;
}

/** Payload of `leave` events: `user` left `room`, and why. */
export interface LeaveEvent {
  /** The room left. */
  room: string;
  /** The name of the user who left. */
  user: string;
  /** Why the user left. */
  reason: LeaveReason;
}

/** Limits a server advertises in its welcome; clients check them before sending. */
export interface ServerLimits {
  /** Largest frame payload, in bytes, either side may send. */
  maxFrameBytes: number;
  /** Longest message text, in UTF-8 bytes. */
  maxMessageBytes: number;
  /** Largest file accepted for upload, in bytes. */
  maxFileBytes: number;
  /** Most rooms one user may be in at once. */
  maxRoomsPerUser: number;
  /** Interval, in ms, at which the server expects to hear from the client (any frame or a ping). */
  heartbeatIntervalMs: number;
  /** Most transfers (uploads and downloads) one connection may run at once. */
  maxTransfers: number;
  /** Messages one connection may send per second on average (0: no limit); more are `ERR_RATE_LIMITED`. */
  maxMessagesPerSecond: number;
  /** Messages one connection may send in a burst above the average rate. */
  messageBurst: number;
  /** Upload bytes per second one connection is credited on average (0: no limit). */
  maxUploadBytesPerSecond: number;
  /** Longest time one frame may take to arrive once started (0: no limit). */
  frameTimeoutMs: number;
}

/** A connected user as the server sees it. */
export interface UserInfo {
  /** The user's name. */
  name: string;
  /** Rooms the user is in, in the order joined. */
  rooms: string[];
  /** `binary` for PieChat clients, `line` for telnet/`nc` users. */
  mode: 'binary' | 'line';
  /** Remote address of the connection. */
  address: string;
  /** When the user connected (ms since epoch). */
  connectedAt: number;
}

/** A room and its members. */
export interface RoomInfo {
  /** The room name. */
  name: string;
  /** Names of the members, in the order they joined. */
  users: string[];
}

/** The address a server is bound to, as resolved by `listen()`. */
export interface BoundAddress {
  /** The IP address bound. */
  address: string;
  /** `IPv4` or `IPv6`. */
  family: string;
  /** The port bound (the ephemeral one when `listen(0)` was asked). */
  port: number;
}

/** A stored file: fully received, its SHA-256 verified. */
export interface FileInfo {
  /** Server-generated id (32 hexadecimal characters); the only way to name a file on the wire. */
  id: string;
  /** Display name, sanitised by the server (no directories, control characters or `..`). */
  name: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the content, hexadecimal. */
  sha256: string;
  /** Who uploaded it. */
  from: string;
  /** The room it was shared in; absent for a private file. */
  room?: string;
  /** The recipient of a private file; absent for a room file. */
  to?: string;
  /** When it was stored (ms since epoch). */
  at: number;
}

/** The result of a download: the file, and where it was saved when the destination was a path. */
export interface DownloadedFile extends FileInfo {
  /** The absolute path of the saved file (absent when the destination was a stream). */
  path?: string;
}

/** One step of a transfer's progress: `bytes` only ever increases and ends equal to `total`. */
export interface TransferProgress {
  /** Id of the transfer (the `Transfer`'s `id`). */
  transferId: string;
  /** Id of the file, once the server assigned one. */
  fileId?: string;
  /** The file's display name. */
  name: string;
  /** `upload` (toward the server) or `download` (from it). */
  direction: 'upload' | 'download';
  /** Bytes moved so far. */
  bytes: number;
  /** Bytes in all. */
  total: number;
}

/** Progress of a transfer the server carries, with the user at the other end. */
export interface ServerTransferProgress extends TransferProgress {
  /** The user uploading or downloading. */
  user: string;
}

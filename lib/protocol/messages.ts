import type { ErrorCode } from '../errors.js';
import type { ChatMessage, FileInfo, LeaveReason, ServerLimits } from '../types.js';

/**
 * Control messages of protocol v1, as they travel in control frames (UTF-8 JSON objects whose
 * `t` names the message). Requests carry `r`, a client-chosen number echoed in the `ok` or `err`
 * answer. `docs/protocol.md` describes each one.
 */

/** Where a client left off: the last `seq` it saw per room, and in its private inbox. */
export interface ResumePoint {
  rooms: Record<string, number>;
  inbox?: number;
  /** The server history's `epoch` these `seq`s belong to (from the welcome). */
  epoch?: string;
}

/** First frame of a binary client: who it is and, after a reconnect, where it left off. */
export interface HelloMessage {
  t: 'hello';
  name: string;
  /** Software name and version, for the server's logs. */
  agent?: string;
  /** The session id of the previous connection, to take that session over. */
  session?: string;
  /** A credential for the server's `authenticate` hook. */
  token?: string;
  /** A credential for the server's `authenticate` hook. */
  password?: string;
  /** Where the client left off: the server replays what it missed and rejoins these rooms. */
  resume?: ResumePoint;
}

/**
 * Messages that may be missing after a resume: those after `after` in a room (or, without `room`,
 * the private inbox) that are older than the server's history, which resumes at `next`. With
 * `reset`, the server's numbering restarted (its history was lost): `next` is lower than `after`.
 */
export interface HistoryGap {
  room?: string;
  after: number;
  next: number;
  reset?: true;
}

/** Sends a message to a room or, with `to`, to one user. */
export interface SendRequest {
  t: 'send';
  r: number;
  /** Client-side id: a retransmit with an id the server already accepted gets the first answer again. */
  cid?: string;
  text: string;
  room?: string;
  to?: string;
}

/** Joins a room. */
export interface JoinRequest {
  t: 'join';
  r: number;
  room: string;
}

/** Leaves a room. */
export interface LeaveRequest {
  t: 'leave';
  r: number;
  room: string;
}

/** Lists users, of one room or of the whole server. */
export interface UsersRequest {
  t: 'users';
  r: number;
  room?: string;
}

/** Lists rooms that have members. */
export interface RoomsRequest {
  t: 'rooms';
  r: number;
}

/** Starts an upload on a new stream; the server answers `ok` with the file id and the first window. */
export interface UploadRequest {
  t: 'upload';
  r: number;
  /** Client-chosen stream id, greater than any the client used before on this connection. */
  stream: number;
  /** The client's id of the transfer, echoed in the server's progress events. */
  transfer: string;
  name: string;
  size: number;
  room?: string;
  to?: string;
  /**
   * To continue an upload interrupted by a lost connection: its `transfer` id from the first
   * request. The server answers with the offset to send from (the first byte it has not written),
   * or, if the upload was already being stored, with the stored file as `stored`.
   */
  resume?: string;
}

/** Every byte of an upload was sent: the server verifies size and digest, stores and announces the file. */
export interface EndRequest {
  t: 'end';
  r: number;
  stream: number;
  sha256: string;
}

/** Starts a download on a new stream; data flows once the client grants a window with `credit`. */
export interface DownloadRequest {
  t: 'download';
  r: number;
  stream: number;
  transfer: string;
  file: string;
  /** Byte to start from (0 for a whole file). */
  offset: number;
}

/** Lists the files the user may download, of one room or all. */
export interface FilesRequest {
  t: 'files';
  r: number;
  room?: string;
}

/** Flow control, either direction: the receiver wrote `ack` bytes and accepts `window` more. */
export interface CreditMessage {
  t: 'credit';
  stream: number;
  ack: number;
  window: number;
}

/** Stops a transfer, either direction; the other side ends it with `code`. */
export interface CancelMessage {
  t: 'cancel';
  stream: number;
  code: ErrorCode;
  message: string;
}

/** Requests about chat. */
export type ChatRequest = SendRequest | JoinRequest | LeaveRequest | UsersRequest | RoomsRequest;

/** Requests about files. */
export type TransferRequest = UploadRequest | EndRequest | DownloadRequest | FilesRequest;

/** Every request (message with an `r`) a client may send after its hello. */
export type ClientRequest = ChatRequest | TransferRequest;

/** The client is closing on purpose: its user leaves at once, no resumption is expected. */
export interface ClientByeMessage {
  t: 'bye';
}

/** Messages without an answer a client may send after its hello. */
export type ClientNotice = CreditMessage | CancelMessage | ClientByeMessage;

/** Every message a client may send. */
export type ClientMessage = HelloMessage | ClientRequest | ClientNotice;

/** The server's answer to a hello: the session is open. */
export interface WelcomeMessage {
  t: 'welcome';
  /** Protocol version in use. */
  v: number;
  /** Opaque id of the session on the server. */
  session: string;
  /** The name the user was admitted under. */
  name: string;
  /** The server's name, the `from` of its system messages. */
  server: string;
  /** Rooms the user is in on arrival. */
  rooms: string[];
  limits: ServerLimits;
  /** Whether the session of the previous connection was taken over (no leave/join in between). */
  resumed: boolean;
  /** Ranges the replay that follows could not cover. */
  gaps: HistoryGap[];
  /**
   * For rooms the client did not name in its resume point: the `seq` before it arrived, its
   * starting point for a later resume.
   */
  seqs: Record<string, number>;
  /** The last `seq` of the user's private inbox when it arrived (new sessions only). */
  inbox?: number;
  /** Names the server history's numbering; the client gives it back in its resume point. */
  epoch?: string;
}

/** A request succeeded; other fields depend on the request. */
export interface OkMessage {
  t: 'ok';
  r: number;
  [field: string]: unknown;
}

/** A request failed (with `r`), or the connection is being closed for the stated reason (without). */
export interface ErrMessage {
  t: 'err';
  r?: number;
  code: ErrorCode;
  message: string;
}

/** A chat message delivered to a member of its room, or to its recipient. */
export type MsgMessage = { t: 'msg' } & ChatMessage;

/** A user joined a room the receiver is in. */
export interface JoinMessage {
  t: 'join';
  room: string;
  user: string;
}

/** A user left a room the receiver is in. */
export interface LeaveMessage {
  t: 'leave';
  room: string;
  user: string;
  reason: LeaveReason;
}

/** The server is closing this connection on purpose (shutdown, kick). */
export interface ByeMessage {
  t: 'bye';
  reason: LeaveReason;
  message: string;
  /** Milliseconds the client should wait before reconnecting. */
  retryAfterMs?: number;
}

/** A file was stored in a room the receiver is in, or privately for the receiver. */
export interface FileMessage {
  t: 'file';
  file: FileInfo;
}

/** Every message a server may send. */
export type ServerMessage =
  | WelcomeMessage
  | OkMessage
  | ErrMessage
  | MsgMessage
  | JoinMessage
  | LeaveMessage
  | ByeMessage
  | FileMessage
  | CreditMessage
  | CancelMessage;

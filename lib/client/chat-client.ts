import { EventEmitter } from 'eventemitter3';
import { PieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { WireObject } from '../protocol/fields.js';
import type { WelcomeMessage } from '../protocol/messages.js';
import { parseServerMessage } from '../protocol/parse-server.js';
import { Connection, type ConnectionHandler } from '../transport/connection.js';
import { HeartbeatMonitor } from '../transport/heartbeat.js';
import type { Writable } from 'node:stream';
import type { ChatMessage, DownloadedFile, FileInfo, LeaveReason, RoomInfo, ServerLimits } from '../types.js';
import { assertOptions, describe } from '../util/assert.js';
import { assertRoomName } from '../util/names.js';
import { emitReporting, emitSafely } from '../util/safe-emit.js';
import { VERSION } from '../version.js';
import { dial } from './dial.js';
import type { ClientEvents, ConnectInfo } from './events.js';
import { resolveClientOptions, type ChatClientOptions, type ResolvedClientOptions } from './options.js';
import { RequestTracker } from './requests.js';
import { parseFileList, parseNothing, parseRoomList, parseSendResult, parseUserList, type MessageDraft } from './results.js';
import { ClientTransfers } from './client-transfers.js';
import type { DownloadOptions } from './download-task.js';
import type { SendFileOptions, UploadSource } from './upload-task.js';
import type { Transfer } from '../transfer/transfer.js';

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

/** The life of a client: `idle` until `connect()`, back to `idle` after a disconnect, `closed` after `close()`. */
export type ClientState = 'idle' | 'connecting' | 'connected' | 'closed';

interface Handshake {
  resolve: (info: ConnectInfo) => void;
  reject: (error: PieChatError) => void;
}

/**
 * A PieChat client: connects to a {@link ChatServer}, joins rooms, sends and receives messages,
 * and reports everything as typed events.
 *
 * @example
 * ```ts
 * const client = new ChatClient({ host: '127.0.0.1', port: 9009, name: 'alice' });
 * client.on('message', (message) => console.log(`${message.from}: ${message.text}`));
 * await client.connect();
 * await client.send('hello', { room: 'lobby' });
 * ```
 */
export class ChatClient extends EventEmitter<ClientEvents> {
  readonly #options: ResolvedClientOptions;
  readonly #requests: RequestTracker;
  readonly #rooms = new Set<string>();
  #state: ClientState = 'idle';
  #connection: Connection | undefined;
  #heartbeat: HeartbeatMonitor<Connection> | undefined;
  #handshake: Handshake | undefined;
  #connecting: Promise<ConnectInfo> | undefined;
  #info: ConnectInfo | undefined;
  #byeReason: LeaveReason | undefined;
  #closing = false;
  /** Aborts a connection attempt in progress when the client is closed. */
  readonly #closeSignal = new AbortController();
  /** Whether the current connection completed its handshake (for the `disconnect` event). */
  #welcomed = false;
  readonly #transfers: ClientTransfers;
  /** Last stream id used on the current connection. */
  #lastStream = 0;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  /** Creates a client; nothing happens until {@link ChatClient.connect}. Throws `TypeError` on bad options. */
  constructor(options: ChatClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    this.#requests = new RequestTracker(this.#options.requestTimeoutMs);
    this.#transfers = new ClientTransfers({
      live: () => this.#live(),
      limits: () => this.#info?.limits,
      request: (message, parse) => this.#request(message, parse),
      nextStream: () => ++this.#lastStream,
      progress: (transfer, progress) => {
        emitReporting(transfer, this, 'progress', progress);
        emitSafely(this, 'progress', progress);
      },
      windowBytes: this.#options.transferWindowBytes,
    });
  }

  /** Where the client is in its life. */
  get state(): ClientState {
    return this.#state;
  }

  /** True while the handshake is done and the connection open. */
  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** The name the server admitted (the `name` option until connected). */
  get name(): string {
    return this.#info?.name ?? this.#options.name;
  }

  /** The session id of the current connection, if connected. */
  get session(): string | undefined {
    return this.#info?.session;
  }

  /** The server's limits, once connected. */
  get limits(): ServerLimits | undefined {
    return this.#info?.limits;
  }

  /**
   * Bytes waiting in the connection's buffer to be sent (as `WebSocket.bufferedAmount`). A bulk
   * sender keeps it bounded by waiting for the `drain` event when it grows.
   */
  get bufferedAmount(): number {
    return this.#connection?.outputBytes ?? 0;
  }

  /** Rooms the client is in. */
  get joined(): string[] {
    return [...this.#rooms];
  }

  /**
   * Connects and completes the handshake within `connectTimeoutMs`. Rejects with
   * `ERR_NAME_TAKEN`, `ERR_INVALID_NAME`, `ERR_SERVER_FULL`, `ERR_NOT_CONNECTED` (refused,
   * unreachable), `ERR_TIMEOUT`, `ERR_PROTOCOL` (not a PieChat server) or `ERR_CLOSED` (the
   * client was closed meanwhile). Calling it while connecting returns the same promise.
   */
  connect(): Promise<ConnectInfo> {
    if (this.#state === 'closed') return Promise.reject(new PieChatError('ERR_CLOSED', 'The client is closed'));
    if (this.#state === 'connected') return Promise.resolve(this.#info!);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /**
   * Sends `text` to a room the client is in, or privately to one user. Resolves with the message
   * as the server accepted it (`id`, `seq`, `at`); the client's own messages are not echoed as
   * `message` events. Rejects with `ERR_NOT_CONNECTED`, `ERR_NOT_IN_ROOM`, `ERR_UNKNOWN_USER`,
   * `ERR_MESSAGE_TOO_LONG` or `ERR_TIMEOUT`; with a `TypeError` for a bad argument.
   */
  send(text: string, target: SendTarget): Promise<ChatMessage> {
    if (typeof text !== 'string' || text.length === 0) {
      return Promise.reject(new TypeError(`Expected \`text\` to be a non-empty string, got \`${describe(text)}\``));
    }
    try {
      assertOptions('target', target);
    } catch (error) {
      return Promise.reject(error);
    }
    const { room, to } = target as { room?: unknown; to?: unknown };
    if ((room === undefined) === (to === undefined) || (room !== undefined && typeof room !== 'string') || (to !== undefined && typeof to !== 'string')) {
      return Promise.reject(new TypeError('Expected `target` to be `{ room: string }` or `{ to: string }`'));
    }
    const connection = this.#live();
    if (connection instanceof PieChatError) return Promise.reject(connection);
    const limit = this.#info!.limits.maxMessageBytes;
    if (text.length * 3 > limit && Buffer.byteLength(text) > limit) {
      return Promise.reject(new PieChatError('ERR_MESSAGE_TOO_LONG', `Message is longer than ${limit} bytes`));
    }
    if (room !== undefined && !this.#rooms.has(room)) {
      return Promise.reject(new PieChatError('ERR_NOT_IN_ROOM', `Not in room "${room}"`));
    }
    const r = this.#requests.nextId();
    const draft: MessageDraft = room === undefined ? { to: to as string, from: this.name, text } : { room, from: this.name, text };
    connection.send(room === undefined ? { t: 'send', r, text, to } : { t: 'send', r, text, room });
    return this.#requests.wait(r, parseSendResult, draft);
  }

  /** Joins a room (created if new). Resolves with its members' names, this client's included. */
  join(room: string): Promise<string[]> {
    return this.#roomRequest('join', room).then((users) => {
      this.#rooms.add(room);
      return users;
    });
  }

  /** Leaves a room. Rejects with `ERR_NOT_IN_ROOM` if the client is not in it. */
  async leave(room: string): Promise<void> {
    await this.#roomRequest('leave', room);
    this.#rooms.delete(room);
  }

  /** Names of the users in `room`, or of everyone online when no room is given. */
  users(room?: string): Promise<string[]> {
    if (room !== undefined) {
      try {
        checkRoomArgument(room);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#request(room === undefined ? { t: 'users' } : { t: 'users', room }, parseUserList);
  }

  /** Every room on the server that has members, with the members' names. */
  rooms(): Promise<RoomInfo[]> {
    return this.#request({ t: 'rooms' }, parseRoomList);
  }

  /**
   * Uploads a file to a room the client is in, or privately to one user, through the server.
   * `source` is a file path, bytes in memory, or a `Readable` (then `options.size` is required).
   * The returned {@link Transfer} emits `progress` and resolves with the stored file once the
   * server verified its size and SHA-256; the room's members (or the recipient) get a `file` event.
   *
   * Rejects with `ERR_FILE_TOO_LARGE` (before a byte is sent), `ERR_NOT_IN_ROOM`,
   * `ERR_UNKNOWN_USER`, `ERR_QUOTA_EXCEEDED`, `ERR_TOO_MANY_TRANSFERS`, `ERR_FILE_NOT_FOUND`
   * (the path cannot be read), `ERR_CHECKSUM`, `ERR_ABORTED` (cancelled), `ERR_STORAGE` or
   * `ERR_NOT_CONNECTED`; with a `TypeError` for bad arguments.
   *
   * @example
   * ```ts
   * const upload = client.sendFile('./report.pdf', { room: 'lobby' });
   * upload.on('progress', ({ bytes, total }) => console.log(`${Math.round((100 * bytes) / total)}%`));
   * const file = await upload;
   * ```
   */
  sendFile(source: UploadSource, options: SendFileOptions): Transfer<FileInfo> {
    return this.#transfers.upload(source, options);
  }

  /**
   * Downloads a stored file into `destination`: a path (an existing directory receives the file
   * under its display name), or a `Writable`. For a path, bytes go to a temporary file that is
   * renamed into place only once the SHA-256 matches; an existing file in a directory destination
   * is never replaced (`name (1).ext` is used). Resolves with the file and, for a path, where it
   * was saved. Rejects with `ERR_FILE_NOT_FOUND`,
   * `ERR_FORBIDDEN`, `ERR_CHECKSUM`, `ERR_ABORTED`, `ERR_STORAGE` or `ERR_NOT_CONNECTED`.
   *
   * @example
   * ```ts
   * client.on('file', (file) => client.download(file.id, './downloads/'));
   * ```
   */
  download(fileId: string, destination: string | Writable, options: DownloadOptions = {}): Transfer<DownloadedFile> {
    return this.#transfers.download(fileId, destination, options);
  }

  /** The files this client may download: of one room it is in, or all of them. Oldest first. */
  files(options: { room?: string } = {}): Promise<FileInfo[]> {
    try {
      assertOptions('options', options);
      if (options.room !== undefined) checkRoomArgument(options.room);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#request(options.room === undefined ? { t: 'files' } : { t: 'files', room: options.room }, parseFileList);
  }

  /**
   * Closes the connection. Requests still waiting reject with `ERR_CLOSED`. The client cannot be
   * used again. Resolves when the socket is closed.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closing = true;
    this.#closeSignal.abort();
    const connection = this.#connection;
    this.#closed = connection === undefined ? Promise.resolve() : new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#handshake?.reject(new PieChatError('ERR_CLOSED', 'The client was closed'));
    // `bye`: the user leaves now; the server does not keep the session for a resume.
    connection?.close(undefined, { t: 'bye' });
    this.#state = 'closed';
    return this.#closed;
  }

  async #open(): Promise<ConnectInfo> {
    this.#state = 'connecting';
    this.#byeReason = undefined;
    const options = this.#options;
    const hello = { t: 'hello', name: options.name, agent: `piechat/${VERSION}` };
    // One deadline covers the TCP connection, the preamble and the welcome.
    const deadline = Date.now() + options.connectTimeoutMs;
    let dialed;
    try {
      dialed = await dial({ host: options.host, port: options.port, timeoutMs: options.connectTimeoutMs, hello, signal: this.#closeSignal.signal });
    } catch (error) {
      if (this.#state === 'connecting') this.#state = 'idle';
      throw error;
    }
    if (this.#closing) {
      dialed.socket.destroy();
      throw new PieChatError('ERR_CLOSED', 'The client was closed');
    }
    return new Promise<ConnectInfo>((resolve, reject) => {
      this.#handshake = { resolve, reject };
      const timer = setTimeout(() => {
        this.#connection?.fail(new PieChatError('ERR_TIMEOUT', 'No welcome from the server in time'), false);
      }, Math.max(0, deadline - Date.now()));
      const handler: ConnectionHandler = {
        onControl: (message) => this.#onControl(message),
        onData: (frame) => this.#onData(frame),
        onDrain: () => emitSafely(this, 'drain'),
        onClose: (error) => {
          clearTimeout(timer);
          this.#onClose(error);
        },
      };
      this.#connection = new Connection(dialed.socket, handler, { maxFrameBytes: options.maxFrameBytes, maxOutputBytes: options.maxOutputBufferBytes }, dialed.rest);
      this.#handshake.resolve = (info) => {
        clearTimeout(timer);
        resolve(info);
      };
    });
  }

  #onControl(object: WireObject): void {
    const message = parseServerMessage(object);
    switch (message.t) {
      case 'msg':
        emitSafely(this, 'message', message.message);
        return;
      case 'ok':
        this.#requests.resolve(message.r, message);
        return;
      case 'err': {
        const error = new PieChatError(message.code, message.message);
        if (message.r !== undefined) this.#requests.reject(message.r, error);
        else this.#connection?.close(error);
        return;
      }
      case 'join':
        emitSafely(this, 'join', { room: message.room, user: message.user });
        return;
      case 'leave':
        emitSafely(this, 'leave', { room: message.room, user: message.user, reason: message.reason });
        return;
      case 'welcome':
        this.#welcome(message);
        return;
      case 'bye':
        this.#byeReason = message.reason;
        this.#connection?.close(new PieChatError('ERR_CLOSED', message.message));
        return;
      case 'file':
        emitSafely(this, 'file', message.file);
        return;
      case 'credit':
        this.#transfers.credit(message);
        return;
      case 'cancel':
        this.#transfers.cancelled(message);
        return;
    }
  }

  #welcome(welcome: WelcomeMessage): void {
    if (this.#handshake === undefined || this.#state !== 'connecting') {
      throw new PieChatError('ERR_PROTOCOL', 'Unexpected welcome');
    }
    const connection = this.#connection!;
    connection.maxFrameBytes = Math.max(this.#options.maxFrameBytes, welcome.limits.maxFrameBytes);
    this.#info = { name: welcome.name, session: welcome.session, server: welcome.server, rooms: welcome.rooms, limits: welcome.limits };
    this.#rooms.clear();
    for (const room of welcome.rooms) this.#rooms.add(room);
    this.#state = 'connected';
    this.#welcomed = true;
    this.#lastStream = 0;
    this.#heartbeat = new HeartbeatMonitor<Connection>(welcome.limits.heartbeatIntervalMs, (dead) =>
      dead.fail(new PieChatError('ERR_TIMEOUT', 'No heartbeat from the server for two intervals'), false),
    );
    this.#heartbeat.add(connection);
    const handshake = this.#handshake;
    this.#handshake = undefined;
    handshake.resolve(this.#info);
    emitSafely(this, 'connect', this.#info);
  }

  #onData(frame: DataFrame): void {
    if (frame.stream > this.#lastStream || frame.stream === 0) throw new PieChatError('ERR_PROTOCOL', `Data on stream ${frame.stream}, which was never opened`);
    this.#transfers.data(frame);
  }

  #onClose(error: PieChatError | undefined): void {
    this.#heartbeat?.stop();
    this.#heartbeat = undefined;
    this.#connection = undefined;
    const wasConnected = this.#welcomed;
    this.#welcomed = false;
    if (this.#state !== 'closed') this.#state = 'idle';
    const handshake = this.#handshake;
    this.#handshake = undefined;
    if (handshake !== undefined) {
      handshake.reject(error ?? new PieChatError('ERR_NOT_CONNECTED', 'The server closed the connection during the handshake'));
    }
    const failure = this.#closing
      ? new PieChatError('ERR_CLOSED', 'The client was closed')
      : (error ?? new PieChatError('ERR_NOT_CONNECTED', 'The server closed the connection'));
    this.#requests.rejectAll(failure);
    this.#transfers.disconnected(failure);
    if (wasConnected) {
      const reason: LeaveReason = this.#byeReason ?? (this.#closing ? 'disconnected' : reasonFor(error));
      emitSafely(this, 'disconnect', error === undefined || this.#closing ? { reason } : { reason, error });
    }
    this.#resolveClosed?.();
  }

  #live(): Connection | PieChatError {
    if (this.#state === 'closed') return new PieChatError('ERR_CLOSED', 'The client is closed');
    if (this.#state !== 'connected' || this.#connection === undefined) return new PieChatError('ERR_NOT_CONNECTED', 'Not connected');
    return this.#connection;
  }

  #request<T>(message: { t: string; [field: string]: unknown }, parse: (ok: WireObject) => T): Promise<T> {
    const connection = this.#live();
    if (connection instanceof PieChatError) return Promise.reject(connection);
    const r = this.#requests.nextId();
    connection.send({ ...message, r });
    return this.#requests.wait(r, parse);
  }

  #roomRequest(t: 'join' | 'leave', room: string): Promise<string[]> {
    try {
      checkRoomArgument(room);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#request({ t, room }, t === 'join' ? parseUserList : () => (parseNothing(), []));
  }
}

/** A room argument: a `TypeError` if it is not a string, `ERR_INVALID_ROOM` if it is not a valid name. */
function checkRoomArgument(room: unknown): asserts room is string {
  if (typeof room !== 'string') throw new TypeError(`Expected \`room\` to be a string, got \`${describe(room)}\``);
  assertRoomName(room);
}

function reasonFor(error: PieChatError | undefined): LeaveReason {
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

import type { Writable } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { PieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { WireObject } from '../protocol/fields.js';
import type { ByeMessage, WelcomeMessage } from '../protocol/messages.js';
import type { InboundServerMessage } from '../protocol/parse-server.js';
import type { Transfer } from '../transfer/transfer.js';
import type { ChatMessage, DownloadedFile, FileInfo, LeaveReason, RoomInfo, ServerLimits } from '../types.js';
import { assertOptions } from '../util/assert.js';
import { emitReporting, emitSafely } from '../util/safe-emit.js';
import { VERSION } from '../version.js';
import { checkRoomArgument, checkSendArguments, type ClientState, type SendTarget } from './arguments.js';
import { ClientTransfers } from './client-transfers.js';
import type { DownloadOptions } from './download-task.js';
import { leaveReasonFor, type ClientEvents, type ConnectInfo } from './events.js';
import { Link, type LinkHandler } from './link.js';
import { resolveClientOptions, type ChatClientOptions, type ResolvedClientOptions } from './options.js';
import { Outbox } from './outbox.js';
import { isFinalRefusal, Reconnector, type ServerAddress } from './reconnector.js';
import { RequestTracker } from './requests.js';
import { parseFileList, parseJoinResult, parseNothing, parseRoomList, parseUserList, type MessageDraft } from './results.js';
import { Timeline } from './timeline.js';
import type { SendFileOptions, UploadSource } from './upload-task.js';

/**
 * A PieChat client: connects to a {@link ChatServer}, joins rooms, sends and receives messages
 * and files, and reports everything as typed events. It reconnects by itself after a lost
 * connection and resumes where it was: rooms, missed messages (each delivered once), queued
 * messages and transfers.
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
  readonly #outbox: Outbox;
  readonly #timeline = new Timeline();
  readonly #transfers: ClientTransfers;
  /** Aborts what is opening when the client is closed. */
  readonly #closeSignal = new AbortController();
  #state: ClientState = 'idle';
  #link: Link | undefined;
  #info: ConnectInfo | undefined;
  /** Last stream id used on the current connection. */
  #lastStream = 0;
  #connecting: Promise<ConnectInfo> | undefined;
  /** `connect()` calls made while reconnecting. */
  #waiting: Array<{ resolve: (info: ConnectInfo) => void; reject: (error: PieChatError) => void }> = [];
  readonly #reconnector: Reconnector;
  #closed: Promise<void> | undefined;
  #linkGone: (() => void) | undefined;
  readonly #linkHandler: LinkHandler = {
    welcomed: (link, welcome) => this.#welcome(link, welcome),
    message: (link, message) => {
      if (link === this.#link) this.#message(message);
    },
    data: (link, frame) => {
      if (link === this.#link) this.#data(frame);
    },
    drain: (link) => {
      if (link === this.#link) emitSafely(this, 'drain');
    },
    closed: (link, error, bye) => {
      if (link === this.#link) this.#lost(error, bye);
    },
  };

  /** Creates a client; nothing happens until {@link ChatClient.connect}. Throws `TypeError` on bad options. */
  constructor(options: ChatClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    this.#requests = new RequestTracker(this.#options.requestTimeoutMs);
    const addresses = [{ host: this.#options.host, port: this.#options.port }, ...this.#options.servers];
    this.#reconnector = new Reconnector(addresses, this.#options.reconnect, {
      open: (address) => this.#open(address),
      wanted: () => this.#state === 'reconnecting' || this.#state === 'connecting',
      retrying: (event) => emitSafely(this, 'reconnecting', event),
      gaveUp: (error) => this.#giveUp(error),
    });
    this.#outbox = new Outbox({ maxMessages: this.#options.maxQueuedMessages, maxBytes: this.#options.maxQueuedBytes }, this.#requests, (message) =>
      this.#timeline.acknowledge(message),
    );
    this.#transfers = new ClientTransfers({
      connection: () => (this.#state === 'connected' ? this.#link?.connection : undefined),
      unavailable: () => this.#unavailable(),
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

  /** The id of the session on the server, once connected. */
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
    return this.#link?.connection.outputBytes ?? 0;
  }

  /** Rooms the client is in. */
  get joined(): string[] {
    return this.#timeline.joined;
  }

  /**
   * Connects and completes the handshake within `connectTimeoutMs`, trying `host`/`port` and then
   * each of `servers` once. Rejects with `ERR_NAME_TAKEN`, `ERR_INVALID_NAME`, `ERR_SERVER_FULL`,
   * `ERR_NOT_CONNECTED` (refused, unreachable), `ERR_TIMEOUT`, `ERR_PROTOCOL` (not a PieChat
   * server) or `ERR_CLOSED` (the client was closed meanwhile). While connecting or reconnecting,
   * resolves with the coming connection.
   */
  connect(): Promise<ConnectInfo> {
    if (this.#state === 'closed') return Promise.reject(new PieChatError('ERR_CLOSED', 'The client is closed'));
    if (this.#state === 'connected') return Promise.resolve(this.#info!);
    if (this.#state === 'reconnecting') return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#connecting ??= this.#firstConnect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /**
   * Sends `text` to a room the client is in, or privately to one user. Resolves with the message
   * as the server accepted it (`id`, `seq`, `at`); the client's own messages are not echoed as
   * `message` events. While reconnecting, the message waits (up to `maxQueuedMessages` and
   * `maxQueuedBytes`) and goes after the reconnection; a message whose acknowledgement was lost
   * is sent again and never delivered twice. Rejects with `ERR_NOT_CONNECTED`, `ERR_NOT_IN_ROOM`,
   * `ERR_UNKNOWN_USER`, `ERR_MESSAGE_TOO_LONG`, `ERR_QUEUE_FULL`, `ERR_TIMEOUT` or `ERR_CLOSED`;
   * with a `TypeError` for a bad argument.
   */
  send(text: string, target: SendTarget): Promise<ChatMessage> {
    let checked: { room: string } | { to: string };
    try {
      checked = checkSendArguments(text, target);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#state === 'closed') return Promise.reject(new PieChatError('ERR_CLOSED', 'The client is closed'));
    if (this.#state !== 'connected' && this.#state !== 'reconnecting') return Promise.reject(new PieChatError('ERR_NOT_CONNECTED', 'Not connected'));
    const limit = this.#info!.limits.maxMessageBytes;
    if (text.length * 3 > limit && Buffer.byteLength(text) > limit) {
      return Promise.reject(new PieChatError('ERR_MESSAGE_TOO_LONG', `Message is longer than ${limit} bytes`));
    }
    if ('room' in checked && !this.#timeline.has(checked.room)) {
      return Promise.reject(new PieChatError('ERR_NOT_IN_ROOM', `Not in room "${checked.room}"`));
    }
    const draft: MessageDraft = { ...checked, from: this.name, text };
    return this.#outbox.push(text, checked, draft, this.#state === 'connected' ? this.#link!.connection : undefined);
  }

  /** Joins a room (created if new). Resolves with its members' names, this client's included. */
  async join(room: string): Promise<string[]> {
    checkRoomArgument(room);
    const result = await this.#request({ t: 'join', room }, parseJoinResult);
    this.#timeline.join(room, result.seq);
    return result.users;
  }

  /** Leaves a room. Rejects with `ERR_NOT_IN_ROOM` if the client is not in it. */
  async leave(room: string): Promise<void> {
    checkRoomArgument(room);
    await this.#request({ t: 'leave', room }, parseNothing);
    this.#timeline.leave(room);
  }

  /** Names of the users in `room`, or of everyone online when no room is given. */
  async users(room?: string): Promise<string[]> {
    if (room !== undefined) checkRoomArgument(room);
    return this.#request(room === undefined ? { t: 'users' } : { t: 'users', room }, parseUserList);
  }

  /** Every room on the server that has members, with the members' names. */
  rooms(): Promise<RoomInfo[]> {
    return this.#request({ t: 'rooms' }, parseRoomList);
  }

  /**
   * Uploads a file to a room the client is in, or privately to one user, through the server.
   * `source` is a file path, bytes in memory, or a `Readable` (then `options.size` is required;
   * the stream is consumed, and destroyed if the upload fails).
   * The returned {@link Transfer} emits `progress` and resolves with the stored file once the
   * server verified its size and SHA-256; the room's members (or the recipient) get a `file`
   * event. A lost connection pauses it; after the reconnection it continues from the last byte the
   * server wrote.
   *
   * Rejects with `ERR_FILE_TOO_LARGE` (before a byte is sent), `ERR_NOT_IN_ROOM`,
   * `ERR_UNKNOWN_USER`, `ERR_QUOTA_EXCEEDED`, `ERR_TOO_MANY_TRANSFERS`, `ERR_FILE_NOT_FOUND`
   * (the path cannot be read), `ERR_CHECKSUM`, `ERR_ABORTED` (cancelled), `ERR_STORAGE`,
   * `ERR_NOT_CONNECTED` or `ERR_CLOSED`; with a `TypeError` for bad arguments.
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
   * Downloads a stored file into `destination`: a path (an existing directory, or one ending with
   * a separator, receives the file under its display name), or a `Writable`. For a path, bytes
   * go to a temporary file renamed into place only once the SHA-256 matches; an existing file in
   * a directory destination is never replaced (`name (1).ext` is used). A lost connection pauses
   * it; after the reconnection it continues from the last byte written. Resolves with the file
   * and, for a path, where it was saved. Rejects with `ERR_FILE_NOT_FOUND`, `ERR_FORBIDDEN`,
   * `ERR_CHECKSUM`, `ERR_ABORTED`, `ERR_STORAGE`, `ERR_NOT_CONNECTED` or `ERR_CLOSED`.
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
  async files(options: { room?: string } = {}): Promise<FileInfo[]> {
    assertOptions('options', options);
    if (options.room !== undefined) checkRoomArgument(options.room);
    return this.#request(options.room === undefined ? { t: 'files' } : { t: 'files', room: options.room }, parseFileList);
  }

  /**
   * Closes the client for good: stops reconnecting, waits (up to `requestTimeoutMs`) for the
   * server to acknowledge the messages already sent, then leaves (the server removes the user at
   * once). Messages still queued, other requests and transfers reject with `ERR_CLOSED`.
   * Resolves when the connection is closed.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#state = 'closed';
    this.#reconnector.stop();
    this.#closeSignal.abort();
    this.#closed = this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const closedError = new PieChatError('ERR_CLOSED', 'The client was closed');
    const link = this.#link;
    if (link !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#outbox.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#options.requestTimeoutMs)))]);
      clearTimeout(timer);
    }
    this.#outbox.failAll(closedError);
    this.#transfers.disconnected(closedError);
    this.#requests.rejectAll(closedError);
    this.#settleWaiting(closedError);
    if (link !== undefined && this.#link === link) {
      const gone = new Promise<void>((resolve) => (this.#linkGone = resolve));
      link.close();
      await gone;
    }
  }

  async #firstConnect(): Promise<ConnectInfo> {
    this.#state = 'connecting';
    try {
      await this.#reconnector.first();
      return this.#info!;
    } catch (error) {
      if (this.#state === 'connecting') this.#state = 'idle';
      throw error;
    }
  }

  #open(address: ServerAddress): Promise<Link> {
    const options = this.#options;
    // After a first connection, every hello asks to resume: the session, and where the client left off.
    const resume = this.#info === undefined ? {} : { session: this.#info.session, resume: this.#timeline.resumePoint() };
    const credentials = { ...(options.token === undefined ? {} : { token: options.token }), ...(options.password === undefined ? {} : { password: options.password }) };
    const hello = { t: 'hello', name: options.name, agent: `piechat/${VERSION}`, ...credentials, ...resume };
    return Link.open(
      {
        ...address,
        tls: options.tls,
        timeoutMs: options.connectTimeoutMs,
        maxFrameBytes: options.maxFrameBytes,
        maxOutputBufferBytes: options.maxOutputBufferBytes,
        signal: this.#closeSignal.signal,
      },
      hello,
      this.#linkHandler,
    );
  }

  /** The handshake completed (first connection or reconnection). Runs before any later frame. */
  #welcome(link: Link, welcome: WelcomeMessage): void {
    if (this.#state === 'closed') {
      link.close();
      return;
    }
    this.#link = link;
    this.#lastStream = 0;
    this.#reconnector.connected();
    this.#info = { name: welcome.name, session: welcome.session, server: welcome.server, rooms: welcome.rooms, limits: welcome.limits, resumed: welcome.resumed };
    this.#timeline.welcome(welcome);
    this.#state = 'connected';
    for (const gap of welcome.gaps) emitSafely(this, 'gap', gap);
    emitSafely(this, 'connect', this.#info);
    if (this.#link !== link) return;
    this.#outbox.flush(link.connection, welcome.limits.maxMessagesPerSecond, welcome.limits.messageBurst);
    this.#transfers.reconnected();
    this.#settleWaiting(undefined);
  }

  #message(message: Exclude<InboundServerMessage, WelcomeMessage | ByeMessage>): void {
    switch (message.t) {
      case 'msg': {
        // A replay may repeat what was already seen; the client's own messages are not events.
        if (this.#timeline.accept(message.message) && message.message.from !== this.name) emitSafely(this, 'message', message.message);
        return;
      }
      case 'ok':
        this.#requests.resolve(message.r, message);
        return;
      case 'err':
        this.#requests.reject(message.r!, new PieChatError(message.code, message.message));
        return;
      case 'join':
        emitSafely(this, 'join', { room: message.room, user: message.user });
        return;
      case 'leave':
        emitSafely(this, 'leave', { room: message.room, user: message.user, reason: message.reason });
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

  #data(frame: DataFrame): void {
    if (frame.stream > this.#lastStream || frame.stream === 0) throw new PieChatError('ERR_PROTOCOL', `Data on stream ${frame.stream}, which was never opened`);
    this.#transfers.data(frame);
  }

  /** The connection was lost (or closed): reconnect, unless the client closed or was refused for good. */
  #lost(error: PieChatError | undefined, bye: ByeMessage | undefined): void {
    this.#link = undefined;
    const closing = this.#state === 'closed';
    const willReconnect = !closing && this.#reconnector.enabled && bye?.reason !== 'kicked' && !isFinalRefusal(error);
    const failure = closing ? new PieChatError('ERR_CLOSED', 'The client was closed') : (error ?? new PieChatError('ERR_NOT_CONNECTED', 'The server closed the connection'));
    if (willReconnect) {
      this.#outbox.suspend();
      this.#transfers.suspend();
      this.#requests.rejectAll(new PieChatError('ERR_NOT_CONNECTED', 'The connection was lost; the client is reconnecting'));
      this.#state = 'reconnecting';
    } else {
      this.#outbox.failAll(failure);
      this.#transfers.disconnected(failure);
      this.#requests.rejectAll(failure);
      if (!closing) this.#state = 'idle';
    }
    const reason: LeaveReason = bye?.reason ?? (closing ? 'disconnected' : leaveReasonFor(error));
    emitSafely(this, 'disconnect', error === undefined || closing ? { reason, willReconnect } : { reason, error, willReconnect });
    if (willReconnect) this.#reconnector.start(bye?.retryAfterMs ?? 0);
    else if (!closing) this.#settleWaiting(failure);
    this.#linkGone?.();
  }

  /** Stops reconnecting: the server refused the client for good, or every attempt failed. */
  #giveUp(error: PieChatError): void {
    this.#state = 'idle';
    this.#outbox.failAll(error);
    this.#transfers.disconnected(error);
    this.#settleWaiting(error);
    emitSafely(this, 'error', error);
  }

  #settleWaiting(error: PieChatError | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) {
      if (error === undefined) waiter.resolve(this.#info!);
      else waiter.reject(error);
    }
  }

  /** Why a transfer cannot run, now or after the reconnection under way. */
  #unavailable(): PieChatError | undefined {
    if (this.#state === 'closed') return new PieChatError('ERR_CLOSED', 'The client is closed');
    if (this.#state !== 'connected' && this.#state !== 'reconnecting') return new PieChatError('ERR_NOT_CONNECTED', 'Not connected');
    return undefined;
  }

  #request<T>(message: { t: string; [field: string]: unknown }, parse: (ok: WireObject) => T): Promise<T> {
    const unavailable = this.#state === 'connected' ? undefined : (this.#unavailable() ?? new PieChatError('ERR_NOT_CONNECTED', 'Not connected: the client is reconnecting'));
    if (unavailable !== undefined) return Promise.reject(unavailable);
    const r = this.#requests.nextId();
    this.#link!.connection.send({ ...message, r });
    return this.#requests.wait(r, parse);
  }
}

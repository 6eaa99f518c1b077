import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { EventEmitter } from 'eventemitter3';
import { PieChatError, toPieChatError } from '../errors.js';
import { type Connection } from '../transport/connection.js';
import { HeartbeatMonitor } from '../transport/heartbeat.js';
import type { BoundAddress, ChatMessage, LeaveReason, RoomInfo, ServerLimits, UserInfo } from '../types.js';
import { assertInteger, assertOptions, assertString, describe } from '../util/assert.js';
import { emitSafely } from '../util/safe-emit.js';
import { assertRoomName } from '../util/names.js';
import type { ClusterEvent } from '../cluster/adapter.js';
import { acceptSocket } from './accept.js';
import { Authorizer } from './authentication.js';
import type { Closable, SessionContext } from './context.js';
import type { ServerEvents } from './events.js';
import { Hub } from './hub.js';
import type { Member } from './member.js';
import { FileCatalog } from './file-catalog.js';
import { PartialUploads } from './partial-uploads.js';
import { MemoryHistoryStore } from '../stores/memory-history-store.js';
import { SHUTDOWN_RETRY_AFTER_MS } from '../defaults.js';
import { resolveServerOptions, storeOf, type ChatServerOptions, type ResolvedServerOptions } from './options.js';

/** Codes with which a connection is reported as a `client-error`: the peer broke a rule, or was refused (too many connections, no TLS). */
const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set(['ERR_PROTOCOL', 'ERR_FRAME_TOO_LARGE', 'ERR_TIMEOUT', 'ERR_RATE_LIMITED', 'ERR_TLS']);

/** Time `close()` gives clients to hang up after the goodbye before their sockets are destroyed. */
const CLOSE_GRACE_MS = 2_000;

type State = 'new' | 'binding' | 'listening' | 'closing' | 'closed';

/**
 * A PieChat server: accepts PieChat clients and line-mode (telnet, `nc`) users on one port,
 * keeps rooms, routes messages and reports everything as typed events.
 *
 * @example
 * ```ts
 * const server = new ChatServer({ port: 9009 });
 * server.on('message', (message) => console.log(`[${message.room}] ${message.from}: ${message.text}`));
 * const { port } = await server.listen();
 * ```
 */
export class ChatServer extends EventEmitter<ServerEvents> {
  readonly #options: ResolvedServerOptions;
  readonly #hub: Hub;
  readonly #heartbeat: HeartbeatMonitor<Connection>;
  readonly #server: Server;
  readonly #connections = new Set<Closable>();
  /** Open raw connections per remote address. */
  readonly #perAddress = new Map<string, number>();
  readonly #context: SessionContext;
  #state: State = 'new';
  #binding: Promise<BoundAddress> | undefined;
  #closed: Promise<void> | undefined;
  /** Cleanups of closed sessions still running; `close()` waits for them. */
  readonly #settling = new Set<Promise<void>>();
  /** Called when the last tracked connection closes during shutdown. */
  #drained: (() => void) | undefined;

  /** Creates a server; nothing is bound until {@link ChatServer.listen}. Throws `TypeError` on bad options. */
  constructor(options: ChatServerOptions = {}) {
    super();
    this.#options = resolveServerOptions(options);
    const limits: ServerLimits = {
      maxFrameBytes: this.#options.maxFrameBytes,
      maxMessageBytes: this.#options.maxMessageBytes,
      maxFileBytes: this.#options.maxFileBytes,
      maxRoomsPerUser: this.#options.maxRoomsPerUser,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      maxTransfers: this.#options.maxTransfers,
      maxMessagesPerSecond: this.#options.maxMessagesPerSecond,
      messageBurst: this.#options.messageBurst,
      maxUploadBytesPerSecond: this.#options.maxUploadBytesPerSecond,
      frameTimeoutMs: this.#options.frameTimeoutMs,
    };
    const authorizer = new Authorizer(this.#options.authorize, (error) => this.#emit('error', error));
    const store = storeOf(this.#options.storage);
    const adapter = this.#options.adapter;
    this.#hub = new Hub(
      {
        serverName: this.#options.name,
        defaultRooms: this.#options.rooms,
        maxClients: this.#options.maxClients,
        maxMessageBytes: this.#options.maxMessageBytes,
        maxRoomsPerUser: this.#options.maxRoomsPerUser,
        maxNameLength: this.#options.maxNameLength,
      },
      {
        onJoin: (event) => this.#emit('join', event),
        onLeave: (event) => this.#emit('leave', event),
        onMessage: (message) => this.#emit('message', message),
        onFile: (file) => this.#emit('file', file),
      },
      this.#options.history ?? new MemoryHistoryStore(),
      { authorizer, maxMessagesPerSecond: this.#options.maxMessagesPerSecond, messageBurst: this.#options.messageBurst },
    );
    this.#heartbeat = new HeartbeatMonitor<Connection>(this.#options.heartbeatIntervalMs, (connection) =>
      connection.fail(new PieChatError('ERR_TIMEOUT', 'No heartbeat from the client for two intervals'), false),
    );
    this.#context = {
      options: this.#options,
      hub: this.#hub,
      heartbeat: this.#heartbeat,
      limits,
      authorizer,
      reportError: (error) => this.#emit('error', error),
      store,
      catalog: new FileCatalog(store, this.#options.quotaBytes, adapter === undefined ? undefined : () => adapter.files()),
      cluster: adapter,
      transferProgress: (progress) => this.#emit('progress', progress),
      transferEnded: (event) => this.#emit('transfer-end', event),
      settling: (work) => {
        this.#settling.add(work);
        void work.finally(() => this.#settling.delete(work));
      },
      track: (connection) => this.#connections.add(connection),
      untrack: (connection) => this.#untrack(connection),
      sessions: new Map(),
      partials: new PartialUploads(this.#options.partialUploadTtlMs, (upload, error) =>
        this.#emit('transfer-end', {
          user: upload.owner,
          transferId: upload.transferId,
          fileId: upload.fileId,
          name: upload.name,
          direction: 'upload',
          bytes: upload.receiver.written,
          total: upload.size,
          error,
        }),
      ),
      sessionSuspended: (member, reason, error) =>
        this.#emit('suspend', error === undefined ? { user: member.name, reason } : { user: member.name, reason, error }),
      sessionResumed: (member) => this.#emit('resume', { user: member.name }),
      sessionOpened: (member) => this.#emit('connect', userInfo(member)),
      sessionClosed: (connection, member, address, reason, error) => {
        this.#sessionClosed(member, address, reason, error);
        this.#untrack(connection);
      },
    };
    // One TCP port for everything: a connection that opens with a TLS handshake is handed to the
    // TLS server (which never listens itself); its decrypted stream then starts over like any other.
    this.#server = createServer({ noDelay: true });
    this.#server.on('connection', (socket: Socket) => {
      this.#count(socket);
      this.#accept(socket);
    });
    const tlsOptions = this.#options.tls;
    if (tlsOptions !== undefined) {
      const secure = createTlsServer({ handshakeTimeout: this.#options.handshakeTimeoutMs, ...tlsOptions }, (socket) => this.#accept(socket));
      secure.on('tlsClientError', (error, socket) =>
        this.#emit('client-error', { address: socket.remoteAddress ?? 'unknown', error: new PieChatError('ERR_TLS', `TLS handshake failed: ${error.message}`, { cause: error }) }),
      );
      this.#context.startTls = (socket) => secure.emit('connection', socket);
    }
  }

  /** True between a successful `listen()` and `close()`. */
  get listening(): boolean {
    return this.#state === 'listening';
  }

  /**
   * Binds the server. Resolves with the bound address; `port` 0 picks a free one.
   * Rejects with the system error (`EADDRINUSE`, `EACCES`) if the address cannot be bound.
   *
   * @param port - defaults to the `port` option (9009).
   * @param host - defaults to the `host` option (all interfaces).
   */
  listen(port: number = this.#options.port, host: string | undefined = this.#options.host): Promise<BoundAddress> {
    assertInteger('port', port, 0, 65_535);
    if (host !== undefined) assertString('host', host);
    if (this.#state !== 'new') {
      const reason = this.#state === 'closing' || this.#state === 'closed' ? 'The server is closed' : 'listen() was already called';
      return Promise.reject(new PieChatError('ERR_CLOSED', reason));
    }
    this.#state = 'binding';
    this.#binding = this.#joinCluster().then(() => this.#bind(port, host));
    return this.#binding;
  }

  /** Starts the cluster adapter, if any: this node learns who is online elsewhere and starts hearing events. */
  async #joinCluster(): Promise<void> {
    const adapter = this.#options.adapter;
    if (adapter === undefined) return;
    try {
      // Events that arrive before this node is ready are kept, then applied in order.
      let early: ClusterEvent[] | undefined = [];
      const users = await adapter.start((event) => {
        if (early !== undefined) early.push(event);
        else this.#clusterEvent(event);
      });
      this.#hub.useCluster(adapter, await adapter.epoch(), users, (error) => this.#emit('error', toPieChatError(error)));
      const pending = early;
      early = undefined;
      for (const event of pending) this.#clusterEvent(event);
    } catch (error) {
      if (this.#state === 'binding') this.#state = 'new';
      await adapter.stop().catch(() => undefined);
      throw toPieChatError(error);
    }
  }

  #clusterEvent(event: ClusterEvent): void {
    if (event.type === 'file') this.#context.catalog.add(event.file);
    this.#hub.clusterEvent(event);
  }

  #bind(port: number, host: string | undefined): Promise<BoundAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        // Binding failed: report it once, through this promise, and allow another try.
        this.#server.off('listening', onListening);
        if (this.#state === 'binding') this.#state = 'new';
        reject(error);
      };
      const onListening = (): void => {
        this.#server.off('error', onError);
        this.#server.on('error', (error) => this.#emit('error', toPieChatError(error)));
        if (this.#state !== 'binding') {
          reject(new PieChatError('ERR_CLOSED', 'close() was called before listen() completed'));
          return;
        }
        this.#state = 'listening';
        const address = this.address()!;
        this.#emit('listening', address);
        resolve(address);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen(port, host);
    });
  }

  /** The bound address, or undefined before `listen()` resolved and after `close()`. */
  address(): BoundAddress | undefined {
    const address = this.#server.address() as AddressInfo | null;
    return address === null ? undefined : { address: address.address, family: address.family, port: address.port };
  }

  /**
   * Sends a system message (`system: true`, from the server's name) to one room, or to every room
   * with members when no room is given. Returns the messages as delivered.
   */
  broadcast(text: string, options: { room?: string } = {}): ChatMessage[] {
    assertString('text', text);
    assertOptions('options', options);
    if (options.room !== undefined) {
      if (typeof options.room !== 'string') throw new TypeError(`Expected \`room\` to be a string, got \`${describe(options.room)}\``);
      assertRoomName(options.room);
    }
    return this.#hub.broadcast(text, options.room);
  }

  /** Every connected user, with its rooms. */
  users(): UserInfo[] {
    return this.#hub.users();
  }

  /** Every room with members. */
  rooms(): RoomInfo[] {
    return this.#hub.rooms();
  }

  /**
   * Disconnects a user with reason `kicked`; it is told `message`. Returns false if no such
   * user is online.
   */
  kick(name: string, message = 'You were disconnected by the server'): boolean {
    assertString('name', name);
    const member = this.#hub.find(name);
    if (member === undefined) return false;
    member.closeBy('kicked', message);
    return true;
  }

  /**
   * Stops accepting, tells every client the server is shutting down, waits for connections to
   * close (destroying those that linger) and resolves. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const binding = this.#state === 'binding' ? this.#binding : undefined;
    this.#state = 'closing';
    // A bind in progress is let finish (its listen() then rejects with ERR_CLOSED), then closed.
    await binding?.catch(() => undefined);
    const wasListening = this.#server.listening;
    const stopped = wasListening ? new Promise<void>((resolve) => this.#server.close(() => resolve())) : Promise.resolve();
    // Every connection's leave and disconnect events are emitted before close() resolves.
    const drained = this.#connections.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#drained = resolve));
    for (const connection of [...this.#connections]) connection.closeBy('shutdown', 'The server is shutting down', SHUTDOWN_RETRY_AFTER_MS);
    const deadline = setTimeout(() => {
      for (const connection of this.#connections) connection.destroy();
    }, CLOSE_GRACE_MS);
    await Promise.all([stopped, drained]);
    clearTimeout(deadline);
    await Promise.all(this.#settling);
    // Nobody can resume an upload any more: their partial files go.
    await this.#context.partials.discardAll();
    await this.#options.adapter?.stop().catch((error: unknown) => this.#emit('error', toPieChatError(error)));
    this.#heartbeat.stop();
    this.#state = 'closed';
    this.#emit('close');
  }

  #untrack(connection: Closable): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0) this.#drained?.();
  }

  /**
   * Counts a raw connection against its address's limit, before any handshake (TLS included); a
   * flood far beyond the limit is dropped at once, without the cost of a handshake.
   */
  #count(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (this.#perAddress.get(address) ?? 0) + 1;
    this.#perAddress.set(address, count);
    // One shared listener (no closure per connection): idle connections stay small.
    (socket as CountedSocket)[COUNTED_ADDRESS] = address;
    socket.on('close', this.#uncount);
    if (count > 2 * this.#options.maxConnectionsPerAddress) socket.destroy();
  }

  /** The `close` listener of every counted socket (`this` is the socket). */
  readonly #uncount = uncounter(this.#perAddress);

  #accept(socket: Socket): void {
    if (this.#state !== 'listening') {
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress ?? 'unknown';
    const limit = this.#options.maxConnectionsPerAddress;
    const refusal = (this.#perAddress.get(address) ?? 0) > limit ? new PieChatError('ERR_RATE_LIMITED', `Too many connections from ${address} (at most ${limit})`) : undefined;
    acceptSocket(this.#context, socket, refusal);
  }

  #sessionClosed(member: Member | undefined, address: string, reason: LeaveReason, error: PieChatError | undefined): void {
    if (error !== undefined && reason === 'slow-consumer' && member !== undefined) {
      this.#emit('slow-consumer', { user: member.name, address });
    } else if (error !== undefined && CLIENT_ERROR_CODES.has(error.code)) {
      const event = member === undefined ? { address, error } : { address, user: member.name, error };
      this.#emit('client-error', event);
    }
    if (member !== undefined) {
      this.#emit('disconnect', error === undefined ? { user: member.name, reason } : { user: member.name, reason, error });
    }
  }

  /** Emits without letting a throwing listener break the server's state (see {@link emitSafely}). */
  #emit<E extends keyof ServerEvents>(event: E, ...args: Parameters<ServerEvents[E]>): void {
    emitSafely<ServerEvents, E>(this, event, ...(args as EventEmitter.EventArgs<ServerEvents, E>));
  }
}

/** Where a counted socket's address is kept, for its `close` listener. */
const COUNTED_ADDRESS = Symbol('piechat.countedAddress');

type CountedSocket = Socket & { [COUNTED_ADDRESS]?: string };

/** A `close` listener that takes its socket off the per-address count. */
function uncounter(perAddress: Map<string, number>): (this: Socket) => void {
  return function (this: Socket): void {
    const address = (this as CountedSocket)[COUNTED_ADDRESS];
    if (address === undefined) return;
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left === 0) perAddress.delete(address);
    else perAddress.set(address, left);
  };
}

function userInfo(member: Member): UserInfo {
  return { name: member.name, rooms: [...member.rooms], mode: member.mode, address: member.address, connectedAt: member.connectedAt };
}

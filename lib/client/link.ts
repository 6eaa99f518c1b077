import type { ConnectionOptions } from 'node:tls';
import { PieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { WireObject } from '../protocol/fields.js';
import type { ByeMessage, WelcomeMessage } from '../protocol/messages.js';
import { parseServerMessage, type InboundServerMessage } from '../protocol/parse-server.js';
import { Connection, type ConnectionHandler } from '../transport/connection.js';
import { HeartbeatMonitor } from '../transport/heartbeat.js';
import { dial } from './dial.js';

/** What a {@link Link} reports to the client that opened it. */
export interface LinkHandler {
  /** The welcome arrived; called at once, before any frame that follows it is handled. */
  welcomed(link: Link, welcome: WelcomeMessage): void;
  /** A message after the welcome. */
  message(link: Link, message: Exclude<InboundServerMessage, WelcomeMessage | ByeMessage>): void;
  /** A data frame. */
  data(link: Link, frame: DataFrame): void;
  /** The send buffer emptied. */
  drain(link: Link): void;
  /** The connection closed after its welcome: `bye` if the server said why, `error` if it failed. */
  closed(link: Link, error: PieChatError | undefined, bye: ByeMessage | undefined): void;
}

/** Where a link connects, and how. */
export interface LinkOptions {
  host: string;
  port: number;
  /** TLS options, or undefined for plain TCP. */
  tls: ConnectionOptions | undefined;
  /** One deadline for the TCP connection, the preamble and the welcome. */
  timeoutMs: number;
  maxFrameBytes: number;
  maxOutputBufferBytes: number;
  /** Aborting it gives up a link still opening (`ERR_CLOSED`). */
  signal: AbortSignal;
}

/**
 * One connection of a client, from the hello to its close: the handshake, the heartbeat, and the
 * server's messages, handed to the client in order. A client makes a new link for each
 * reconnection.
 */
export class Link implements ConnectionHandler {
  readonly connection: Connection;
  readonly #handler: LinkHandler;
  #heartbeat: HeartbeatMonitor<Connection> | undefined;
  #handshake: { resolve: (welcome: WelcomeMessage) => void; reject: (error: PieChatError) => void } | undefined;
  #bye: ByeMessage | undefined;

  private constructor(connection: (link: Link) => Connection, handler: LinkHandler) {
    this.#handler = handler;
    this.connection = connection(this);
  }

  /**
   * Connects, sends `hello`, and resolves once the welcome was handled (through the handler's
   * `welcomed`). Rejects with the server's refusal (`ERR_NAME_TAKEN`, …) or a connection error.
   */
  static async open(options: LinkOptions, hello: object, handler: LinkHandler): Promise<Link> {
    const deadline = Date.now() + options.timeoutMs;
    const dialed = await dial({ host: options.host, port: options.port, tls: options.tls, timeoutMs: options.timeoutMs, hello, signal: options.signal });
    let link: Link | undefined;
    const welcome = new Promise<WelcomeMessage>((resolve, reject) => {
      link = new Link((self) => {
        self.#handshake = { resolve, reject };
        return new Connection(dialed.socket, self, { maxFrameBytes: options.maxFrameBytes, maxOutputBytes: options.maxOutputBufferBytes }, dialed.rest);
      }, handler);
    });
    const opened = link!;
    const timer = setTimeout(() => opened.connection.fail(new PieChatError('ERR_TIMEOUT', 'No welcome from the server in time'), false), Math.max(0, deadline - Date.now()));
    const abort = (): void => opened.connection.destroy(new PieChatError('ERR_CLOSED', 'The client was closed'));
    options.signal.addEventListener('abort', abort);
    try {
      await welcome;
      return opened;
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', abort);
    }
  }

  /** Closes in order, telling the server the user is leaving (no resume is expected). */
  close(): void {
    this.connection.close(undefined, { t: 'bye' });
  }

  onControl(object: WireObject): void {
    const message = parseServerMessage(object);
    if (this.#handshake !== undefined) {
      const handshake = this.#handshake;
      if (message.t === 'welcome') {
        this.#handshake = undefined;
        this.connection.maxFrameBytes = Math.max(this.connection.maxFrameBytes, message.limits.maxFrameBytes);
        this.#heartbeat = new HeartbeatMonitor<Connection>(message.limits.heartbeatIntervalMs, (dead) =>
          dead.fail(new PieChatError('ERR_TIMEOUT', 'No heartbeat from the server for two intervals'), false),
        );
        this.#heartbeat.add(this.connection);
        this.#handler.welcomed(this, message);
        handshake.resolve(message);
        return;
      }
      const refusal = message.t === 'err' ? new PieChatError(message.code, message.message) : new PieChatError('ERR_PROTOCOL', `Expected a welcome, got "${message.t}"`);
      this.connection.close(refusal);
      return;
    }
    switch (message.t) {
      case 'welcome':
        throw new PieChatError('ERR_PROTOCOL', 'A second welcome');
      case 'bye':
        this.#bye = message;
        this.connection.close(new PieChatError('ERR_CLOSED', message.message));
        return;
      case 'err':
        if (message.r === undefined) {
          this.connection.close(new PieChatError(message.code, message.message));
          return;
        }
        this.#handler.message(this, message);
        return;
      default:
        this.#handler.message(this, message);
    }
  }

  onData(frame: DataFrame): void {
    if (this.#handshake !== undefined) throw new PieChatError('ERR_PROTOCOL', 'Data before the welcome');
    this.#handler.data(this, frame);
  }

  onDrain(): void {
    this.#handler.drain(this);
  }

  onClose(error: PieChatError | undefined): void {
    this.#heartbeat?.stop();
    const handshake = this.#handshake;
    if (handshake !== undefined) {
      this.#handshake = undefined;
      handshake.reject(error ?? new PieChatError('ERR_NOT_CONNECTED', 'The server closed the connection during the handshake'));
      return;
    }
    this.#handler.closed(this, error, this.#bye);
  }
}

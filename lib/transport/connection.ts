import type { Socket } from 'node:net';
import { PieChatError, toPieChatError } from '../errors.js';
import { FrameType, type FrameTypeValue } from '../protocol/constants.js';
import { FrameDecoder, parseDataFrame, type DataFrame, type FrameSink } from '../protocol/decoder.js';
import { encodeControl, encodeDataHeader, encodePing, encodePong } from '../protocol/encoder.js';
import { decodeJsonObject, type WireObject } from '../protocol/fields.js';

/** What a {@link Connection} reports to the session that owns it. */
export interface ConnectionHandler {
  /** A control message arrived (checked to be a JSON object with a string `t`). */
  onControl(message: WireObject): void;
  /** A data frame arrived. */
  onData(frame: DataFrame): void;
  /** The socket's output buffer has emptied: a good moment to send more file data. */
  onDrain(): void;
  /** The connection is closed; `error` says why unless it was an orderly close. Called once. */
  onClose(error: PieChatError | undefined): void;
}

/**
 * Something that sends file data through a connection whenever it has room: an upload on the
 * client, a download on the server. The connection asks each source in turn.
 */
export interface DataSource {
  /** Sends at most one data frame (`connection.writeData`); false when it has nothing to send now. */
  sendNext(connection: Connection): boolean;
}

/**
 * File data is written only while less than this waits in the socket's buffer, so a control
 * frame (chat, heartbeat) never queues behind more than this much file data in the process.
 */
const DATA_HIGH_WATER_BYTES = 256 * 1024;

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  /** Largest frame payload accepted from the peer. */
  maxFrameBytes: number;
  /** Most bytes that may wait in the output buffer; beyond it the peer is a slow consumer. */
  maxOutputBytes: number;
}

const CONNECTION = Symbol('piechat.connection');
type WiredSocket = Socket & { [CONNECTION]?: Connection };

/** Time a closing connection is given to flush its last frame before it is destroyed. */
const CLOSE_LINGER_MS = 2_000;

// Socket listeners are shared module functions that find their connection on the socket: no
// closures are allocated per connection, which keeps idle connections small.
function onSocketData(this: WiredSocket, chunk: Buffer): void {
  this[CONNECTION]?.receive(chunk);
}
function onSocketDrain(this: WiredSocket): void {
  const connection = this[CONNECTION];
  if (connection === undefined) return;
  connection.pump();
  connection.handler.onDrain();
}
function onSocketError(this: WiredSocket, error: Error): void {
  this[CONNECTION]?.noteSocketError(error);
}
function onSocketClose(this: WiredSocket): void {
  this[CONNECTION]?.finish();
}
function uncork(connection: Connection): void {
  connection.flush();
}
function destroySocket(socket: Socket): void {
  socket.destroy();
}

/**
 * One framed PieChat connection over a socket whose preamble has been exchanged: decodes
 * incoming frames for its handler, batches outgoing frames into one write per tick, answers
 * pings, bounds its output buffer and reports its close once.
 */
export class Connection implements FrameSink {
  readonly socket: Socket;
  /** Receives what the connection reports; a session that takes the connection over replaces it. */
  handler: ConnectionHandler;
  readonly #decoder: FrameDecoder;
  readonly #maxOutputBytes: number;
  #corked = false;
  #closing = false;
  #closed = false;
  #error: PieChatError | undefined;
  #linger: NodeJS.Timeout | undefined;
  readonly #sources: DataSource[] = [];
  #nextSource = 0;
  #pumping = false;
  /** Set whenever a byte arrives; cleared by the heartbeat monitor at each beat. */
  heard = true;
  /** Consecutive heartbeat intervals without a byte from the peer. */
  silentBeats = 0;
  /**
   * Longest time a frame may take to arrive once its first byte came (0: no limit): a peer that
   * trickles one is failed with `ERR_TIMEOUT`. Checked at each heartbeat.
   */
  frameTimeoutMs = 0;
  /** Frames completed since the last heartbeat. */
  #framesSinceBeat = 0;
  /** How long the frame being received has been incomplete, in heartbeats' time. */
  #partialMs = 0;

  constructor(socket: Socket, handler: ConnectionHandler, options: ConnectionOptions, initial?: Buffer) {
    this.socket = socket;
    this.handler = handler;
    this.#decoder = new FrameDecoder(this, options.maxFrameBytes);
    this.#maxOutputBytes = options.maxOutputBytes;
    const wired = socket as WiredSocket;
    wired[CONNECTION] = this;
    socket.setNoDelay(true);
    socket.on('data', onSocketData);
    socket.on('drain', onSocketDrain);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    if (initial !== undefined && initial.length > 0) queueMicrotask(() => this.receive(initial));
  }

  /** Whether frames can still be sent. */
  get open(): boolean {
    return !this.#closing && !this.#closed;
  }

  /** Bytes waiting in the output buffer. */
  get outputBytes(): number {
    return this.socket.writableLength;
  }

  /** The largest frame accepted from the peer. */
  get maxFrameBytes(): number {
    return this.#decoder.maxPayloadBytes;
  }

  /** Raises the largest frame accepted from the peer (after the handshake). */
  set maxFrameBytes(bytes: number) {
    this.#decoder.maxPayloadBytes = bytes;
  }

  /** Feeds received bytes to the decoder. */
  receive(chunk: Buffer): void {
    if (this.#closed) return;
    this.heard = true;
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      this.fail(toPieChatError(error));
    }
  }

  /** Called by the heartbeat monitor: fails a connection whose current frame has been arriving for too long. */
  tick(elapsedMs: number): void {
    if (this.frameTimeoutMs === 0 || this.#decoder.buffered === 0 || this.#framesSinceBeat > 0) this.#partialMs = 0;
    else if ((this.#partialMs += elapsedMs) >= this.frameTimeoutMs) {
      this.fail(new PieChatError('ERR_TIMEOUT', `A frame took more than ${this.frameTimeoutMs} ms to arrive`));
    }
    this.#framesSinceBeat = 0;
  }

  /** @internal Called by the decoder for each data frame. */
  onData(frame: DataFrame): void {
    this.#framesSinceBeat++;
    if (!this.#closing) this.handler.onData(frame);
  }

  /** @internal Called by the decoder for each frame. */
  onFrame(type: FrameTypeValue, payload: Buffer): void {
    this.#framesSinceBeat++;
    if (this.#closing) return;
    switch (type) {
      case FrameType.Control:
        this.handler.onControl(decodeJsonObject(payload));
        break;
      case FrameType.Data:
        this.handler.onData(parseDataFrame(payload));
        break;
      case FrameType.Ping:
        this.write(encodePong(payload));
        break;
      case FrameType.Pong:
        break;
    }
  }

  /**
   * Queues an encoded frame. Frames written in the same tick leave in one system call.
   * Returns false when the connection is closing or its output buffer overflowed.
   */
  write(frame: Buffer): boolean {
    if (this.#closing || this.#closed) return false;
    const socket = this.socket;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(uncork, this);
    }
    socket.write(frame);
    if (socket.writableLength > this.#maxOutputBytes) {
      this.fail(new PieChatError('ERR_SLOW_CONSUMER', `Output buffer exceeded ${this.#maxOutputBytes} bytes`), false);
      return false;
    }
    return true;
  }

  /** Encodes and queues a control message. */
  send(message: object): boolean {
    return this.write(encodeControl(message));
  }

  /** Queues a data frame without copying `chunk`. */
  writeData(stream: number, offset: number, chunk: Buffer): boolean {
    if (!this.write(encodeDataHeader(stream, offset, chunk.length))) return false;
    this.socket.write(chunk);
    return true;
  }

  /** Starts asking `source` for data frames, and asks it at once. */
  addSource(source: DataSource): void {
    this.#sources.push(source);
    this.pump();
  }

  /** Stops asking `source`. */
  removeSource(source: DataSource): void {
    const index = this.#sources.indexOf(source);
    if (index !== -1) this.#sources.splice(index, 1);
  }

  /**
   * Lets the data sources send, in turn, while the socket's buffer is below its high-water mark.
   * Sources call it when they have something new to send (data read, credit granted); the
   * socket's `drain` calls it too.
   */
  pump(): void {
    if (this.#pumping || this.#closing || this.#closed) return;
    this.#pumping = true;
    try {
      let idle = 0;
      while (this.#sources.length > 0 && !this.#closing && this.socket.writableLength < DATA_HIGH_WATER_BYTES) {
        if (this.#nextSource >= this.#sources.length) this.#nextSource = 0;
        const source = this.#sources[this.#nextSource++]!;
        if (source.sendNext(this)) idle = 0;
        else if (++idle >= this.#sources.length) break;
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Sends a heartbeat probe. */
  ping(): void {
    this.write(encodePing());
  }

  /** @internal Sends what was batched this tick. */
  flush(): void {
    this.#corked = false;
    this.socket.uncork();
  }

  /**
   * Closes in order: sends `farewell` (an `err` or `bye` message) if given, then ends the
   * socket. `error` is what the handler's `onClose` will report.
   */
  close(error?: PieChatError, farewell?: object): void {
    if (this.#closing || this.#closed) return;
    if (farewell !== undefined) this.send(farewell);
    this.#closing = true;
    this.#error ??= error;
    this.#decoder.stop();
    if (this.#corked) this.flush();
    this.socket.end();
    this.#linger = setTimeout(destroySocket, CLOSE_LINGER_MS, this.socket).unref();
  }

  /**
   * Closes because of `error`, telling the peer with an `err` message when it can still be
   * delivered (not for a peer that stopped reading).
   */
  fail(error: PieChatError, tellPeer = true): void {
    if (this.#closing || this.#closed) return;
    if (tellPeer) {
      this.close(error, { t: 'err', code: error.code, message: error.message });
    } else {
      this.#error ??= error;
      this.destroy();
    }
  }

  /** Drops the connection at once, discarding unsent output. */
  destroy(error?: PieChatError): void {
    this.#error ??= error;
    this.#closing = true;
    this.#decoder.stop();
    this.socket.destroy();
  }

  /** @internal The socket reported an error; `close` follows. */
  noteSocketError(error: Error): void {
    this.#error ??= new PieChatError('ERR_CLOSED', `Connection lost: ${error.message}`, { cause: error });
  }

  /** @internal The socket closed. */
  finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    this.#decoder.stop();
    clearTimeout(this.#linger);
    (this.socket as WiredSocket)[CONNECTION] = undefined;
    this.handler.onClose(this.#error);
  }
}

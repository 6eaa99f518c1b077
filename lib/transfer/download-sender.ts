import type { Readable } from 'node:stream';
import { TRANSFER_CHUNK_BYTES } from '../defaults.js';
import { PieChatError, toPieChatError } from '../errors.js';
import type { Connection, DataSource } from '../transport/connection.js';

/** Most bytes read from the store ahead of what the window lets the server send. */
const READ_AHEAD_BYTES = 1024 * 1024;

/** What a {@link DownloadSender} reports. */
export interface DownloadSenderEvents {
  /** `bytes` (from the start of the file) have been handed to the connection. */
  sent(bytes: number): void;
  /** The last byte was handed to the connection. */
  complete(): void;
  /** Reading the stored file failed. */
  failed(error: PieChatError): void;
}

/**
 * The server side of a download: reads the stored file ahead (bounded, pausing the stream) and
 * sends it in 64 KiB data frames within the window the client granted.
 */
export class DownloadSender implements DataSource {
  readonly stream: number;
  readonly #source: Readable;
  readonly #size: number;
  readonly #events: DownloadSenderEvents;
  readonly #ready: Buffer[] = [];
  #readyBytes = 0;
  /** Offset just past the last byte read from the store. */
  #readTo: number;
  #offset: number;
  #limit: number;
  #stopped = false;
  #connection: Connection | undefined;

  constructor(stream: number, source: Readable, offset: number, size: number, window: number, events: DownloadSenderEvents) {
    this.stream = stream;
    this.#source = source;
    this.#offset = offset;
    this.#readTo = offset;
    this.#size = size;
    this.#limit = Math.min(offset + window, size);
    this.#events = events;
    source.on('data', (chunk: Buffer) => this.#take(chunk));
    source.on('error', (error) => this.#fail(toPieChatError(error, 'ERR_STORAGE')));
    source.on('end', () => {
      if (this.#readTo < this.#size) this.#fail(new PieChatError('ERR_STORAGE', `The stored file ends at ${this.#readTo} of ${this.#size} bytes`));
    });
  }

  /** Offset just past the last byte sent. */
  get offset(): number {
    return this.#offset;
  }

  /** Starts sending on `connection`. */
  start(connection: Connection): void {
    this.#connection = connection;
    if (this.#offset === this.#size) {
      this.stop();
      this.#events.complete();
      return;
    }
    connection.addSource(this);
  }

  /** The client has written `ack` bytes and accepts `window` more beyond them. */
  credit(ack: number, window: number): void {
    this.#limit = Math.max(this.#limit, Math.min(ack + window, this.#size));
    this.#connection?.pump();
  }

  /** Stops sending and closes the stored file. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#connection?.removeSource(this);
    this.#ready.length = 0;
    this.#source.destroy();
  }

  sendNext(connection: Connection): boolean {
    const chunk = this.#ready[0];
    if (chunk === undefined || this.#offset + chunk.length > this.#limit || this.#stopped) return false;
    this.#ready.shift();
    this.#readyBytes -= chunk.length;
    connection.writeData(this.stream, this.#offset, chunk);
    this.#offset += chunk.length;
    this.#events.sent(this.#offset);
    if (this.#offset >= this.#size) {
      this.stop();
      this.#events.complete();
    } else if (this.#readyBytes < READ_AHEAD_BYTES && this.#source.isPaused()) {
      this.#source.resume();
    }
    return true;
  }

  #take(data: Buffer): void {
    if (this.#stopped) return;
    // Never more than the size the file was announced with.
    const chunk = data.subarray(0, Math.max(0, this.#size - this.#readTo));
    this.#readTo += chunk.length;
    for (let start = 0; start < chunk.length; start += TRANSFER_CHUNK_BYTES) {
      const piece = chunk.subarray(start, start + TRANSFER_CHUNK_BYTES);
      this.#ready.push(piece);
      this.#readyBytes += piece.length;
    }
    if (this.#readyBytes >= READ_AHEAD_BYTES) this.#source.pause();
    this.#connection?.pump();
  }

  #fail(error: PieChatError): void {
    if (this.#stopped) return;
    this.stop();
    this.#events.failed(error);
  }
}

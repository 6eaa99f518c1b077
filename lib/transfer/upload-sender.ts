import { createHash, type Hash } from 'node:crypto';
import { TRANSFER_CHUNK_BYTES } from '../defaults.js';
import { PieChatError, toPieChatError } from '../errors.js';
import type { Connection, DataSource } from '../transport/connection.js';
import type { ChunkReader } from './sources.js';

/** Most bytes read ahead of what the window lets the sender send. */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

/** What an {@link UploadSender} reports to the code running the upload. */
export interface UploadSenderEvents {
  /** `bytes` have been handed to the connection. */
  sent(bytes: number): void;
  /** Every byte was sent; `sha256` is the digest of all of them. */
  complete(sha256: string): void;
  /** Reading the source failed (`PieChatError`), or it yielded something else than bytes (`TypeError`). */
  failed(error: PieChatError | TypeError): void;
}

/**
 * The client side of an upload: reads the source ahead (bounded), hashes it, and sends it in
 * 64 KiB data frames within the window the server granted (`ack + window`), when the
 * connection asks. It never holds more than the read-ahead in memory.
 */
export class UploadSender implements DataSource {
  readonly stream: number;
  readonly #reader: ChunkReader;
  readonly #size: number;
  readonly #events: UploadSenderEvents;
  readonly #hash: Hash = createHash('sha256');
  readonly #ready: Buffer[] = [];
  #readyBytes = 0;
  #readBytes = 0;
  #offset = 0;
  #limit = 0;
  #reading = false;
  #ended = false;
  #stopped = false;
  #connection: Connection | undefined;

  constructor(stream: number, reader: ChunkReader, size: number, events: UploadSenderEvents) {
    this.stream = stream;
    this.#reader = reader;
    this.#size = size;
    this.#events = events;
  }

  /** Bytes sent so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Starts sending on `connection` within `window` bytes. */
  start(connection: Connection, window: number): void {
    this.#connection = connection;
    this.#limit = window;
    connection.addSource(this);
    this.#fill();
  }

  /** The receiver has written `ack` bytes and accepts `window` more beyond them. */
  credit(ack: number, window: number): void {
    this.#limit = Math.max(this.#limit, Math.min(ack + window, this.#size));
    this.#connection?.pump();
  }

  /** Stops sending and releases the source. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#connection?.removeSource(this);
    this.#ready.length = 0;
    void this.#reader.close().catch(() => undefined);
  }

  sendNext(connection: Connection): boolean {
    const chunk = this.#ready[0];
    if (chunk === undefined || this.#offset + chunk.length > this.#limit || this.#stopped) return false;
    this.#ready.shift();
    this.#readyBytes -= chunk.length;
    connection.writeData(this.stream, this.#offset, chunk);
    this.#offset += chunk.length;
    this.#events.sent(this.#offset);
    if (this.#offset === this.#size) this.#finishWhenExhausted();
    else this.#fill();
    return true;
  }

  /**
   * Every declared byte is sent: the upload completes once the source is confirmed to hold no
   * more (a longer stream or a growing file must not pass with its first `size` bytes).
   */
  #finishWhenExhausted(): void {
    if (this.#ended) {
      this.stop();
      this.#events.complete(this.#hash.digest('hex'));
      return;
    }
    // #readMore notices the end (or the excess) and comes back here, or fails.
    this.#fill();
  }

  /** Reads ahead until the read-ahead is full or the source ends. */
  #fill(): void {
    if (this.#reading || this.#ended || this.#stopped) return;
    // Read ahead while below the limit; once everything is sent, read on to confirm the end.
    if (this.#readyBytes >= READ_AHEAD_BYTES && this.#offset < this.#size) return;
    this.#reading = true;
    void this.#readMore().finally(() => {
      this.#reading = false;
    });
  }

  async #readMore(): Promise<void> {
    try {
      while (!this.#stopped && !this.#ended && (this.#readyBytes < READ_AHEAD_BYTES || this.#offset === this.#size)) {
        const chunk = await this.#reader.read();
        if (this.#stopped) return;
        if (chunk === null) {
          this.#ended = true;
          if (this.#readBytes !== this.#size) throw sizeMismatch(this.#readBytes, this.#size);
          if (this.#offset === this.#size) this.#finishWhenExhausted();
          return;
        }
        this.#readBytes += chunk.length;
        if (this.#readBytes > this.#size) throw sizeMismatch(this.#readBytes, this.#size);
        this.#hash.update(chunk);
        for (let start = 0; start < chunk.length; start += TRANSFER_CHUNK_BYTES) {
          const piece = chunk.subarray(start, start + TRANSFER_CHUNK_BYTES);
          this.#ready.push(piece);
          this.#readyBytes += piece.length;
        }
        this.#connection?.pump();
      }
    } catch (error) {
      if (this.#stopped) return;
      this.stop();
      this.#events.failed(error instanceof TypeError ? error : toPieChatError(error, 'ERR_STORAGE'));
    }
  }
}

function sizeMismatch(read: number, declared: number): PieChatError {
  return new PieChatError('ERR_CHECKSUM', `The source holds ${read > declared ? 'more than' : 'only'} ${read} bytes; ${declared} were declared`);
}

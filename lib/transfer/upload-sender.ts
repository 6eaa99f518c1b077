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
  /**
   * Every byte was sent (on the current connection) and the source holds no more; `sha256` is
   * the digest of all of them. After {@link UploadSender.resume} it may come again.
   */
  complete(sha256: string): void;
  /** Reading the source failed (`PieChatError`), or it yielded something else than bytes (`TypeError`). */
  failed(error: PieChatError | TypeError): void;
}

/**
 * The client side of an upload: reads the source ahead (bounded), hashes it, and sends it in
 * 64 KiB data frames within the window the server granted (`ack + window`), when the
 * connection asks.
 *
 * Bytes sent but not yet acknowledged (`ack`) are retained, so that after a lost connection the
 * upload continues on a new one from whatever offset the server wrote ({@link resume}), without
 * reading or hashing anything twice. Memory stays bounded: at most the read-ahead plus the window.
 */
export class UploadSender implements DataSource {
  #stream: number;
  readonly #reader: ChunkReader;
  readonly #size: number;
  readonly #events: UploadSenderEvents;
  readonly #hash: Hash = createHash('sha256');
  /** Read, not sent yet: the bytes from {@link #offset} on. */
  #ready: Buffer[] = [];
  #readyBytes = 0;
  /** Sent, not acknowledged yet: the bytes from {@link #retainedFrom} to {@link #offset}. */
  #retained: Buffer[] = [];
  #retainedFrom = 0;
  #readBytes = 0;
  #offset = 0;
  #limit = 0;
  #reading = false;
  /** The source is exhausted (and its digest known). */
  #sha256: string | undefined;
  /** `complete` was reported for the current connection. */
  #announced = false;
  #stopped = false;
  #connection: Connection | undefined;

  constructor(stream: number, reader: ChunkReader, size: number, events: UploadSenderEvents) {
    this.#stream = stream;
    this.#reader = reader;
    this.#size = size;
    this.#events = events;
  }

  /** The stream the bytes go on (it changes with {@link resume}). */
  get stream(): number {
    return this.#stream;
  }

  /** Bytes sent so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Starts sending on `connection` within `window` bytes. */
  start(connection: Connection, window: number): void {
    this.#attach(connection, Math.min(window, this.#size));
    this.#fill();
  }

  /** The receiver has written `ack` bytes and accepts `window` more beyond them. */
  credit(ack: number, window: number): void {
    this.#limit = Math.max(this.#limit, Math.min(ack + window, this.#size));
    this.#release(Math.min(ack, this.#offset));
    this.#connection?.pump();
  }

  /** The connection was lost: stops sending, keeps everything needed to {@link resume}. */
  detach(): void {
    this.#connection?.removeSource(this);
    this.#connection = undefined;
  }

  /**
   * Continues on `connection` as `stream`, from `offset` (the first byte the server has not
   * written) within `window` bytes beyond it. Throws `ERR_PROTOCOL` for an offset the sender
   * cannot go back to: below what was acknowledged, or beyond what was sent.
   */
  resume(connection: Connection, stream: number, offset: number, window: number): void {
    if (offset < this.#retainedFrom || offset > this.#offset) {
      throw new PieChatError('ERR_PROTOCOL', `The server asked to continue from byte ${offset}, outside ${this.#retainedFrom}–${this.#offset}`);
    }
    this.detach();
    this.#release(offset);
    // What was sent beyond `offset` goes out again, ahead of what was read since.
    this.#ready = [...this.#retained, ...this.#ready];
    for (const chunk of this.#retained) this.#readyBytes += chunk.length;
    this.#retained = [];
    this.#offset = offset;
    this.#stream = stream;
    this.#announced = false;
    this.#attach(connection, Math.min(offset + window, this.#size));
    this.#completeIfDone();
    this.#fill();
  }

  /** Stops for good and releases the source. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.detach();
    this.#ready = [];
    this.#retained = [];
    void this.#reader.close().catch(() => undefined);
  }

  sendNext(connection: Connection): boolean {
    const chunk = this.#ready[0];
    if (chunk === undefined || this.#offset + chunk.length > this.#limit || this.#stopped) return false;
    this.#ready.shift();
    this.#readyBytes -= chunk.length;
    connection.writeData(this.#stream, this.#offset, chunk);
    this.#retained.push(chunk);
    this.#offset += chunk.length;
    this.#events.sent(this.#offset);
    if (this.#offset === this.#size) this.#completeIfDone();
    this.#fill();
    return true;
  }

  #attach(connection: Connection, limit: number): void {
    this.#connection = connection;
    this.#limit = limit;
    connection.addSource(this);
  }

  /** Forgets retained bytes below `offset` (acknowledged: never needed again). */
  #release(offset: number): void {
    while (this.#retained.length > 0 && this.#retainedFrom < offset) {
      const chunk = this.#retained[0]!;
      if (this.#retainedFrom + chunk.length <= offset) {
        this.#retained.shift();
        this.#retainedFrom += chunk.length;
      } else {
        this.#retained[0] = chunk.subarray(offset - this.#retainedFrom);
        this.#retainedFrom = offset;
      }
    }
    if (this.#retained.length === 0) this.#retainedFrom = Math.max(this.#retainedFrom, offset);
  }

  /**
   * Reports `complete` once every declared byte is sent on this connection and the source is
   * confirmed to hold no more (a longer stream or a growing file must not pass with its first
   * `size` bytes).
   */
  #completeIfDone(): void {
    if (this.#sha256 === undefined || this.#offset !== this.#size || this.#announced || this.#connection === undefined || this.#stopped) return;
    this.#announced = true;
    this.#events.complete(this.#sha256);
  }

  /** Reads ahead until the read-ahead is full or the source ends. */
  #fill(): void {
    if (this.#reading || this.#sha256 !== undefined || this.#stopped) return;
    // Read ahead while below the limit; once everything is sent, read on to confirm the end.
    if (this.#readyBytes >= READ_AHEAD_BYTES && this.#offset < this.#size) return;
    this.#reading = true;
    void this.#readMore().finally(() => {
      this.#reading = false;
    });
  }

  async #readMore(): Promise<void> {
    try {
      while (!this.#stopped && this.#sha256 === undefined && (this.#readyBytes < READ_AHEAD_BYTES || this.#offset === this.#size)) {
        const chunk = await this.#reader.read();
        if (this.#stopped) return;
        if (chunk === null) {
          if (this.#readBytes !== this.#size) throw sizeMismatch(this.#readBytes, this.#size);
          this.#sha256 = this.#hash.digest('hex');
          void this.#reader.close().catch(() => undefined);
          this.#completeIfDone();
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

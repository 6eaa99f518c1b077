import { createHash, type Hash } from 'node:crypto';
import { PieChatError, toPieChatError } from '../errors.js';

/** What a {@link Receiver} needs and reports. */
export interface ReceiverOptions {
  /** Transfer stream id (for error messages). */
  stream: number;
  /** Bytes the transfer carries in all. */
  size: number;
  /** Flow-control window granted to the sender beyond what was written. */
  window: number;
  /** Writes chunks in order; calls never overlap. */
  write(chunks: readonly Buffer[]): Promise<void>;
  /** Grants the sender more room: it may send up to `ack + window`. */
  credit(ack: number, window: number): void;
  /** `bytes` have been received (progress). */
  progress(bytes: number): void;
}

/**
 * The receiving end of a transfer, on either side: checks each data frame (in order, within the
 * window, within the size), hashes it, writes it through one write at a time, and grants credit
 * as writes complete, so at most one window of data is ever held in memory.
 */
export class Receiver {
  readonly #options: ReceiverOptions;
  readonly #hash: Hash = createHash('sha256');
  #queue: Buffer[] = [];
  #received = 0;
  #written = 0;
  #credited = 0;
  #writing = false;
  #failure: PieChatError | undefined;
  #settle: { resolve: (sha256: string) => void; reject: (error: PieChatError) => void } | undefined;
  readonly #done: Promise<string>;

  constructor(options: ReceiverOptions) {
    this.#options = options;
    this.#done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    this.#done.catch(() => undefined);
    if (options.size === 0) this.#finish();
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** Bytes written so far. */
  get written(): number {
    return this.#written;
  }

  /**
   * Accepts the data frame at `offset`. Throws `ERR_PROTOCOL` for a frame out of order, beyond
   * the window granted or beyond the size: the sender broke the protocol.
   */
  receive(offset: number, chunk: Buffer): void {
    if (offset !== this.#received) {
      throw new PieChatError('ERR_PROTOCOL', `Stream ${this.#options.stream}: data at ${offset}, expected ${this.#received}`);
    }
    const end = offset + chunk.length;
    if (end > this.#options.size || end > this.#credited + this.#options.window) {
      throw new PieChatError('ERR_PROTOCOL', `Stream ${this.#options.stream}: data beyond the ${end > this.#options.size ? 'declared size' : 'window'}`);
    }
    if (this.#failure !== undefined || chunk.length === 0) return;
    this.#received = end;
    this.#hash.update(chunk);
    this.#queue.push(chunk);
    this.#options.progress(end);
    this.#writeQueued();
  }

  /**
   * Resolves with the SHA-256 of everything once all `size` bytes are written; rejects with the
   * write error if one happened.
   */
  finished(): Promise<string> {
    return this.#done;
  }

  /** Stops: nothing more is written, and {@link finished} rejects with `error`. */
  fail(error: PieChatError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#queue = [];
    this.#settle?.reject(error);
  }

  #writeQueued(): void {
    if (this.#writing || this.#queue.length === 0 || this.#failure !== undefined) return;
    this.#writing = true;
    const chunks = this.#queue;
    this.#queue = [];
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    this.#options.write(chunks).then(
      () => {
        this.#writing = false;
        if (this.#failure !== undefined) return;
        this.#written += bytes;
        if (this.#written === this.#options.size) {
          this.#finish();
          return;
        }
        // Credit in steps of a quarter window: enough headroom for the sender, few messages.
        if (this.#written - this.#credited >= this.#options.window / 4) {
          this.#credited = this.#written;
          this.#options.credit(this.#written, this.#options.window);
        }
        this.#writeQueued();
      },
      (error: unknown) => {
        this.#writing = false;
        this.fail(toPieChatError(error, 'ERR_STORAGE'));
      },
    );
  }

  #finish(): void {
    this.#settle?.resolve(this.#hash.digest('hex'));
  }
}

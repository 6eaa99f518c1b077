import { createHash, type Hash } from 'node:crypto';
import { PieChatError, toPieChatError } from '../errors.js';
import type { TokenBucket } from '../util/token-bucket.js';

/** What a {@link Receiver} needs and reports. */
export interface ReceiverOptions {
  /** Transfer stream id (for error messages). */
  stream: number;
  /** Bytes the transfer carries in all. */
  size: number;
  /** Most bytes held here, received but not yet written: bounds the receiver's memory. */
  window: number;
  /** Writes chunks in order; calls never overlap. */
  write(chunks: readonly Buffer[]): Promise<void>;
  /** Grants the sender more room: it may send up to `ack + window`. */
  credit(ack: number, window: number): void;
  /** `bytes` have been received (progress). */
  progress(bytes: number): void;
  /**
   * A rate limit shared by the transfers of a connection: credit is granted only as its tokens
   * (bytes) allow, so a sender over the limit is slowed down, never refused.
   */
  allowance?: TokenBucket;
}

/**
 * Most bytes hashed in one go. Hashing runs apart from reading the socket (in `setImmediate`
 * slices), so a control frame that arrives behind a window of file data is handled as soon as it
 * is read, not after the data before it was hashed: chat stays responsive during transfers.
 */
const DIGEST_SLICE_BYTES = 256 * 1024;

function digestSlice(receiver: Receiver): void {
  receiver.digest();
}

/**
 * Most bytes of a transfer on the wire at once (sent, not yet read by the receiver). Chat frames
 * queue behind them in the TCP stream, so this bounds how long a message waits behind a
 * transfer (1 MiB takes ~2–3 ms at loopback speeds), whatever the window. Measured in A/B quick
 * benchmark runs: 512 KiB lowers chat p99 during an upload by ~10% but costs ~12% of the upload
 * speed; 256 KiB by ~30% for ~15%.
 */
export const NETWORK_WINDOW_BYTES = 1024 * 1024;

/** Least advance of the granted limit worth a credit message. */
const CREDIT_STEP_BYTES = NETWORK_WINDOW_BYTES / 4;

/**
 * The receiving end of a transfer, on either side: checks each data frame (in order, within the
 * limit granted, within the size), hashes it, writes it through one write at a time, and grants
 * credit as bytes are read and written. The sender may send up to
 * `min(received + NETWORK_WINDOW_BYTES, written + window)`: at most one window is ever held in
 * memory here, and at most the network window is ever in flight.
 */
export class Receiver {
  readonly #options: ReceiverOptions;
  #credit: (ack: number, window: number) => void;
  /** While paused (connection lost), data is refused and nothing is credited. */
  #paused = false;
  #drained: (() => void) | undefined;
  readonly #hash: Hash = createHash('sha256');
  /** Received, not hashed yet. */
  #unhashed: Buffer[] = [];
  #digestScheduled = false;
  /** Hashed, waiting to be written. */
  #queue: Buffer[] = [];
  #received = 0;
  #written = 0;
  /** The sender may send up to here (the last limit granted). */
  #limit: number;
  #writing = false;
  #failure: PieChatError | undefined;
  /** Set while waiting for the allowance to refill before granting more. */
  #allowanceTimer: NodeJS.Timeout | undefined;
  #settle: { resolve: (sha256: string) => void; reject: (error: PieChatError) => void } | undefined;
  readonly #done: Promise<string>;

  constructor(options: ReceiverOptions) {
    this.#options = options;
    this.#credit = options.credit;
    this.#limit = 0;
    this.#limit = this.#paid(this.#allowed());
    this.#done = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    this.#done.catch(() => undefined);
    if (options.size === 0) this.#finish();
  }

  /** The first limit granted: the `window` of the first credit (or of the upload's `ok`). */
  get initialWindow(): number {
    return this.#limit;
  }

  /** Why it stopped, if it failed. */
  get failure(): PieChatError | undefined {
    return this.#failure;
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
  receive(offset: number, chunks: readonly Buffer[], length: number): void {
    if (offset !== this.#received) {
      throw new PieChatError('ERR_PROTOCOL', `Stream ${this.#options.stream}: data at ${offset}, expected ${this.#received}`);
    }
    const end = offset + length;
    if (end > this.#options.size || end > this.#limit) {
      throw new PieChatError('ERR_PROTOCOL', `Stream ${this.#options.stream}: data beyond the ${end > this.#options.size ? 'declared size' : 'window'}`);
    }
    if (this.#failure !== undefined || this.#paused || length === 0) return;
    this.#received = end;
    for (const chunk of chunks) this.#unhashed.push(chunk);
    this.#options.progress(end);
    if (!this.#paused) this.#grant();
    if (!this.#digestScheduled) {
      this.#digestScheduled = true;
      setImmediate(digestSlice, this);
    }
  }

  /** @internal Hashes the next slice of received bytes and hands them to the writer. */
  digest(): void {
    this.#digestScheduled = false;
    if (this.#failure !== undefined) return;
    let hashed = 0;
    while (this.#unhashed.length > 0 && hashed < DIGEST_SLICE_BYTES) {
      const chunk = this.#unhashed.shift()!;
      this.#hash.update(chunk);
      this.#queue.push(chunk);
      hashed += chunk.length;
    }
    if (this.#unhashed.length > 0) {
      this.#digestScheduled = true;
      setImmediate(digestSlice, this);
    }
    this.#writeQueued();
    this.#drained?.();
  }

  /**
   * Resolves with the SHA-256 of everything once all `size` bytes are written; rejects with the
   * write error if one happened.
   */
  finished(): Promise<string> {
    return this.#done;
  }

  /**
   * The connection was lost: accepts nothing more until {@link resume}, finishes hashing and
   * writing what it received, and resolves with the offset to resume from (all of it written).
   */
  pause(): Promise<number> {
    this.#paused = true;
    return new Promise<number>((resolve) => {
      const check = (): void => {
        if (this.#failure !== undefined || (this.#unhashed.length === 0 && this.#queue.length === 0 && !this.#writing)) {
          this.#drained = undefined;
          resolve(this.#written);
        }
      };
      this.#drained = check;
      if (this.#unhashed.length > 0) this.digest();
      check();
    });
  }

  /**
   * Continues on a new connection, crediting through `credit`; returns the first window to grant
   * (from the offset {@link pause} resolved with).
   */
  resume(credit: (ack: number, window: number) => void): number {
    this.#paused = false;
    this.#credit = credit;
    this.#limit = this.#written;
    this.#limit = this.#paid(this.#allowed());
    return this.#limit - this.#written;
  }

  /** Stops: nothing more is written, and {@link finished} rejects with `error`. */
  fail(error: PieChatError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    clearTimeout(this.#allowanceTimer);
    this.#queue = [];
    this.#unhashed = [];
    this.#settle?.reject(error);
    this.#drained?.();
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
          this.#drained?.();
          return;
        }
        if (!this.#paused) this.#grant();
        this.#writeQueued();
        this.#drained?.();
      },
      (error: unknown) => {
        this.#writing = false;
        this.fail(toPieChatError(error, 'ERR_STORAGE'));
      },
    );
  }

  /** How far the sender may go now. */
  #allowed(): number {
    return Math.min(this.#options.size, this.#received + NETWORK_WINDOW_BYTES, this.#written + this.#options.window);
  }

  /** Sends a credit when the limit moved enough (or reached the end). */
  #grant(): void {
    if (this.#allowanceTimer !== undefined) return;
    let allowed = this.#allowed();
    if (allowed <= this.#limit) return;
    if (allowed - this.#limit < CREDIT_STEP_BYTES && allowed < this.#options.size) return;
    allowed = this.#paid(allowed);
    if (allowed <= this.#limit) return;
    this.#limit = allowed;
    this.#credit(this.#written, allowed - this.#written);
  }

  /**
   * How far the limit may move towards `wanted` with the allowance's tokens (all the way without
   * one). When short, a timer grants the rest once enough tokens are back.
   */
  #paid(wanted: number): number {
    const allowance = this.#options.allowance;
    if (allowance === undefined || wanted <= this.#limit) return Math.max(wanted, this.#limit);
    const asked = wanted - this.#limit;
    const granted = allowance.takeUpTo(asked);
    if (granted < asked && this.#allowanceTimer === undefined) {
      const waitMs = allowance.msUntil(Math.min(asked - granted, CREDIT_STEP_BYTES));
      this.#allowanceTimer = setTimeout(() => {
        this.#allowanceTimer = undefined;
        if (!this.#paused && this.#failure === undefined) this.#grant();
      }, Math.max(1, waitMs));
      this.#allowanceTimer.unref();
    }
    return this.#limit + granted;
  }

  #finish(): void {
    this.#settle?.resolve(this.#hash.digest('hex'));
  }
}

import { EventEmitter } from 'eventemitter3';
import type { PieChatError } from '../errors.js';
import type { TransferProgress } from '../types.js';

/** Events of a {@link Transfer}. */
export interface TransferEvents {
  /** The transfer moved forward; throttled, `bytes` only increases, the last has `bytes === total`. */
  progress: (progress: TransferProgress) => void;
}

/** What the code running a transfer uses to finish it. */
export interface TransferControl<T> {
  /** Settles the transfer successfully. */
  resolve(value: T): void;
  /** Settles the transfer with an error. */
  reject(error: PieChatError): void;
}

/**
 * An upload or download in progress: a typed emitter of `progress` that is also a promise of its
 * result. Await it (or call `then`/`catch`) to learn the outcome; `cancel()` stops it on both
 * sides with `ERR_ABORTED`.
 *
 * A failed transfer that nobody awaits does not crash the process: its outcome is only reported
 * to `then`/`catch`.
 *
 * @example
 * ```ts
 * const upload = client.sendFile('./report.pdf', { room: 'lobby' });
 * upload.on('progress', ({ bytes, total }) => bar.update(bytes / total));
 * const file = await upload; // FileInfo
 * ```
 */
export class Transfer<T> extends EventEmitter<TransferEvents> implements PromiseLike<T> {
  /** Unique id of this transfer (also `transferId` in its progress events). */
  readonly id: string;
  readonly #result: Promise<T>;
  readonly #cancel: () => void;

  /** @internal Transfers are made by `ChatClient.sendFile()` and `ChatClient.download()`. */
  constructor(id: string, start: (control: TransferControl<T>) => void, cancel: () => void) {
    super();
    this.id = id;
    this.#cancel = cancel;
    this.#result = new Promise<T>((resolve, reject) => start({ resolve, reject }));
    this.#result.catch(() => undefined);
  }

  /**
   * Stops the transfer: both sides end with `ERR_ABORTED`, and nothing partial is kept. An upload
   * whose bytes were all sent can no longer be stopped: it resolves with the stored file.
   */
  cancel(): void {
    this.#cancel();
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#result.then(onFulfilled, onRejected);
  }

  /** Like `Promise.prototype.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.#result.catch(onRejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#result.finally(onFinally);
  }
}

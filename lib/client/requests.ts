import { PieChatError } from '../errors.js';
import type { WireObject } from '../protocol/fields.js';

/** Checks the fields of an `ok` reply and builds the value the request resolves with, from what the request kept in `context`. */
export type ResultParser<T, C = undefined> = (ok: WireObject, context: C) => T;

interface Pending {
  resolve: (value: never) => void;
  reject: (error: PieChatError) => void;
  parse: ResultParser<unknown, unknown>;
  context: unknown;
  deadline: number;
}

/** How often expired requests are looked for. */
const SWEEP_INTERVAL_MS = 250;

/**
 * Requests waiting for their `ok` or `err`, by request number. One unref'd timer, running while
 * the client is connected, sweeps for expired requests instead of a timer per request.
 */
export class RequestTracker {
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  #next = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Requests waiting for an answer. */
  get size(): number {
    return this.#pending.size;
  }

  /** Reserves the number of the next request. */
  nextId(): number {
    this.#next = this.#next >= 0x7fffffff ? 1 : this.#next + 1;
    return this.#next;
  }

  /** Waits for the answer to request `r`. */
  wait<T, C = undefined>(r: number, parse: ResultParser<T, C>, context?: C): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(r, {
        resolve: resolve as (value: never) => void,
        reject,
        parse: parse as ResultParser<unknown, unknown>,
        context,
        deadline: Date.now() + this.#timeoutMs,
      });
      this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
    });
  }

  /** Settles request `r` with an `ok` reply; false if no such request is waiting. */
  resolve(r: number, ok: WireObject): boolean {
    const pending = this.#take(r);
    if (pending === undefined) return false;
    let value: unknown;
    try {
      value = pending.parse(ok, pending.context);
    } catch (error) {
      pending.reject(error as PieChatError);
      return true;
    }
    pending.resolve(value as never);
    return true;
  }

  /** Settles request `r` with an error; false if no such request is waiting. */
  reject(r: number, error: PieChatError): boolean {
    const pending = this.#take(r);
    if (pending === undefined) return false;
    pending.reject(error);
    return true;
  }

  /** Stops waiting for request `r` without settling it (its promise is dropped). */
  forget(r: number): void {
    this.#pending.delete(r);
  }

  /** Rejects every waiting request with `error` (the connection is gone). */
  rejectAll(error: PieChatError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.stop();
    for (const request of pending) request.reject(error);
  }

  #take(r: number): Pending | undefined {
    const pending = this.#pending.get(r);
    if (pending !== undefined) this.#pending.delete(r);
    return pending;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [r, pending] of this.#pending) {
      if (pending.deadline > now) continue;
      this.#take(r);
      pending.reject(new PieChatError('ERR_TIMEOUT', `No answer from the server within ${this.#timeoutMs} ms`));
    }
  }

  /** Stops the sweeper (it restarts with the next request). */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}

/**
 * Promises that settle when something a test helper accumulates (lines, frames) satisfies a
 * condition: the helper calls {@link Waiters.notify} whenever it receives more, or closes.
 */
export class Waiters {
  #pending: Array<() => boolean> = [];

  /**
   * Resolves with `find()` once it is defined; rejects when `closed()` becomes true first, or
   * after `timeoutMs`, with `what()` describing what was awaited and what arrived.
   */
  until<T>(find: () => T | undefined, closed: () => boolean, what: () => string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = find();
        if (found !== undefined) resolve(found);
        else if (closed()) reject(new Error(`Closed while waiting for ${what()}`));
        else return false;
        clearTimeout(timer);
        return true;
      };
      const timer = setTimeout(() => {
        this.#pending = this.#pending.filter((waiter) => waiter !== check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      if (!check()) this.#pending.push(check);
    });
  }

  /** Re-checks every pending condition. */
  notify(): void {
    this.#pending = this.#pending.filter((waiter) => !waiter());
  }
}

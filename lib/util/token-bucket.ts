/**
 * A token bucket: holds up to `capacity` tokens and gains `ratePerSecond` of them every second.
 * Taking tokens that are not there fails (or, with {@link TokenBucket.takeUpTo}, takes what there
 * is), so the average rate stays at `ratePerSecond` while bursts up to `capacity` pass at once.
 * The time is read only when tokens are taken: an idle bucket costs nothing.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #updatedAt: number;
  readonly #now: () => number;

  constructor(ratePerSecond: number, capacity: number, now: () => number = Date.now) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = capacity;
    this.#tokens = capacity;
    this.#now = now;
    this.#updatedAt = now();
  }

  /** Takes `count` tokens if the bucket has them; false (and nothing taken) otherwise. */
  take(count = 1): boolean {
    this.#refill();
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Takes up to `count` tokens; returns how many (whole) tokens were taken. */
  takeUpTo(count: number): number {
    this.#refill();
    const taken = Math.min(count, Math.floor(this.#tokens));
    this.#tokens -= taken;
    return taken;
  }

  /** Milliseconds until `count` tokens are there (0 if they are now); at most `count` are waited for. */
  msUntil(count: number): number {
    this.#refill();
    const missing = Math.min(count, this.#capacity) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.#ratePerMs);
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    if (elapsed <= 0) return;
    this.#updatedAt = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#ratePerMs);
  }
}

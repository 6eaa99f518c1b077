/** Samples the resident set size of this process, to report its baseline and its peak. */
export class RssSampler {
  #baseline = 0;
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Takes the baseline now (after a GC when `--expose-gc` is on) and starts sampling every `intervalMs`. */
  start(intervalMs = 20): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    this.#baseline = process.memoryUsage.rss();
    this.#peak = this.#baseline;
    this.#timer = setInterval(() => {
      this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling; returns the baseline, the peak and the growth, in bytes. */
  stop(): { baseline: number; peak: number; growth: number } {
    clearInterval(this.#timer);
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
    return { baseline: this.#baseline, peak: this.#peak, growth: this.#peak - this.#baseline };
  }
}

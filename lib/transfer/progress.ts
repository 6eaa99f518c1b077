import { PROGRESS_INTERVAL_MS } from '../defaults.js';
import type { TransferProgress } from '../types.js';

/**
 * Turns byte counts into throttled progress reports: at most one per interval, `bytes` strictly
 * increasing, and a final one with `bytes === total` from {@link ProgressMeter.finish}.
 */
export class ProgressMeter {
  #base: Omit<TransferProgress, 'bytes'>;
  readonly #report: (progress: TransferProgress) => void;
  readonly #intervalMs: number;
  #reported = -1;
  #reportedAt = 0;

  constructor(base: Omit<TransferProgress, 'bytes'>, report: (progress: TransferProgress) => void, intervalMs = PROGRESS_INTERVAL_MS) {
    this.#base = base;
    this.#report = report;
    this.#intervalMs = intervalMs;
  }

  /** Adds the file id to the reports once the server assigned it. */
  setFileId(fileId: string): void {
    this.#base = { ...this.#base, fileId };
  }

  /** Notes that `bytes` have moved; reports if enough time passed since the last report. */
  update(bytes: number): void {
    if (bytes <= this.#reported || bytes >= this.#base.total) return;
    const now = Date.now();
    if (now - this.#reportedAt < this.#intervalMs) return;
    this.#emit(bytes, now);
  }

  /** Reports completion (`bytes === total`), once. */
  finish(): void {
    if (this.#reported < this.#base.total) this.#emit(this.#base.total, Date.now());
  }

  #emit(bytes: number, now: number): void {
    this.#reported = bytes;
    this.#reportedAt = now;
    this.#report({ ...this.#base, bytes });
  }
}

/**
 * A terminal progress bar for transfers. The formatting functions are pure; {@link RateMeter}
 * measures speed; {@link ProgressBar} decides when to draw, and how (redrawn in place on a TTY,
 * plain lines otherwise).
 */

/** Width of the bar between its brackets, in characters. */
export const BAR_WIDTH = 20;

/** Least time between two redraws on a TTY (~10 a second). */
export const TTY_INTERVAL_MS = 100;

/** Least time between two plain lines when the output is not a TTY. */
export const PLAIN_INTERVAL_MS = 1_000;

/** On a TTY, how often the line is redrawn even without progress, so a stall shows as one. */
export const TICK_MS = 1_000;

/** How far back the rate looks: a moving average over these last milliseconds. */
export const RATE_WINDOW_MS = 3_000;

/** Shortest span of samples a rate is computed from: sooner it is not known yet. */
export const RATE_MIN_SPAN_MS = 250;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const ERASE_LINE = '\r\u001b[2K';

/** `512 B`, `1.5 KiB`, `12.0 MiB`: binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  // 1023.96 KiB would round to "1024.0 KiB": show it as the next unit instead.
  if (value.toFixed(1) === '1024.0' && unit < UNITS.length - 1) return `1.0 ${UNITS[unit + 1]}`;
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `85.3 MiB/s`; `--/s` while the rate is not known. */
export function formatRate(bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '--/s';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** `0:07`, `12:34`, `1:02:03` for a duration in seconds (rounded up); `--:--` while unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

/** `[##########----------]` for a fraction from 0 to 1 (clamped), `width` characters inside. */
export function renderBar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.floor(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** What one line of progress shows. */
export interface ProgressState {
  /** Bytes moved so far. */
  bytes: number;
  /** Bytes in all. */
  total: number;
  /** Bytes per second, if known. */
  rate?: number;
  /** Seconds left, if known. */
  eta?: number;
}

/** Fraction done: an empty transfer is complete. */
function fractionOf(bytes: number, total: number): number {
  return total <= 0 ? 1 : bytes / total;
}

/**
 * `[##########----------]  50%  12.0 MiB / 24.0 MiB  85.3 MiB/s  ETA 0:01`. The percentage is
 * rounded down, so 100% means done.
 */
export function formatProgress({ bytes, total, rate, eta }: ProgressState): string {
  const fraction = fractionOf(bytes, total);
  const percent = `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`.padStart(4);
  return `${renderBar(fraction)} ${percent}  ${formatBytes(bytes)} / ${formatBytes(total)}  ${formatRate(rate)}  ETA ${formatEta(eta)}`;
}

/**
 * Speed as a moving average over the last 3 seconds: the bytes moved between the
 * oldest sample in the window and the newest, over the time between them.
 */
export class RateMeter {
  readonly #windowMs: number;
  #samples: Array<{ at: number; bytes: number }> = [];

  constructor(windowMs = RATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records that `bytes` in all had moved at time `at` (ms). */
  sample(at: number, bytes: number): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && at < last.at) return;
    this.#samples.push({ at, bytes: Math.max(bytes, last?.bytes ?? 0) });
    // Keep one sample at or before the window's start, so the window is always fully covered.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second, or undefined until samples span a quarter of a second. */
  rate(): number | undefined {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined || last.at - first.at < RATE_MIN_SPAN_MS) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` at the current rate; undefined while the rate is unknown or zero. */
  eta(total: number): number | undefined {
    const rate = this.rate();
    const bytes = this.#samples.at(-1)?.bytes ?? 0;
    if (rate === undefined || rate <= 0) return bytes >= total ? 0 : undefined;
    return Math.max(0, total - bytes) / rate;
  }
}

/** Where a bar draws: `process.stdout`, or anything shaped like it. */
export interface ProgressOutput {
  /** True when the bar may redraw in place. */
  readonly isTTY?: boolean;
  /** Width of the terminal: the bar's line is cut to fit it. */
  readonly columns?: number;
  /** Writes text as is. */
  write(text: string): unknown;
}

/** Options of a {@link ProgressBar}. */
export interface ProgressBarOptions {
  /**
   * Where to draw.
   * @default process.stdout
   */
  output?: ProgressOutput;
  /** Prints plain lines through this function instead of `output` (a chat prints above its prompt). */
  print?: (line: string) => void;
  /** Shown before the bar, e.g. the file name; shortened to fit a TTY's width. */
  label?: string;
  /**
   * Least time between two draws.
   * @default 100 on a TTY, 1000 otherwise
   */
  intervalMs?: number;
  /**
   * The clock, in ms (tests pass their own).
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Shows a transfer's progress. On a TTY it is one line redrawn in place at most
 * 100 ms apart; otherwise, or with a `print` function, a plain line at most
 * a second apart. {@link ProgressBar.done} prints the final line.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar({ label: 'report.pdf' });
 * upload.on('progress', ({ bytes, total }) => bar.update(bytes, total));
 * await upload;
 * bar.done();
 * ```
 */
export class ProgressBar {
  readonly #output: ProgressOutput;
  readonly #print: ((line: string) => void) | undefined;
  readonly #tty: boolean;
  /** Shown before the bar; may change while the transfer runs (e.g. once the file's name is known). */
  label: string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #meter = new RateMeter();
  readonly #startedAt: number;
  #drawnAt = -Infinity;
  #bytes = 0;
  #total = 0;
  #drawn = false;
  #ended = false;
  /** True once an update told the total: nothing is drawn before. */
  #known = false;
  #ticker: NodeJS.Timeout | undefined;

  constructor(options: ProgressBarOptions = {}) {
    this.#output = options.output ?? process.stdout;
    this.#print = options.print;
    this.#tty = options.print === undefined && this.#output.isTTY === true;
    this.label = options.label ?? '';
    this.#intervalMs = options.intervalMs ?? (this.#tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#meter.sample(this.#startedAt, 0);
    if (this.#tty) this.#ticker = setInterval(() => this.#progress(), TICK_MS).unref();
  }

  /** Notes that `bytes` of `total` have moved, and draws if it is time. */
  update(bytes: number, total: number): void {
    if (this.#ended) return;
    this.#bytes = Math.max(this.#bytes, bytes);
    this.#total = total;
    this.#known = true;
    this.#progress();
  }

  /** `24.0 MiB in 0:02 (12.0 MiB/s)`: the whole transfer of `total` bytes, with its average rate. */
  summary(total = this.#total): string {
    const seconds = (this.#now() - this.#startedAt) / 1000;
    const rate = seconds > 0 ? total / seconds : undefined;
    return `${formatBytes(total)} in ${formatEta(seconds)} (${formatRate(rate)})`;
  }

  /** Draws the final, complete line: the total, the average rate and the time it took. */
  done(total = this.#total): void {
    if (this.#ended) return;
    this.#total = total;
    this.#bytes = total;
    const seconds = (this.#now() - this.#startedAt) / 1000;
    const rate = seconds > 0 ? total / seconds : undefined;
    const line = `${renderBar(1)} 100%  ${formatBytes(total)} / ${formatBytes(total)}  ${formatRate(rate)}  in ${formatEta(seconds)}`;
    this.#draw(line, true);
    this.#end();
  }

  /**
   * Stops drawing without a final line: the transfer failed or was cancelled (or the caller
   * reports its end itself). On a TTY the last line stays as drawn, and is ended.
   */
  stop(): void {
    if (this.#ended) return;
    this.#end();
    if (this.#tty && this.#drawn) this.#output.write('\n');
  }

  #end(): void {
    this.#ended = true;
    clearInterval(this.#ticker);
  }

  /** Samples the current count and draws it, unless the last draw is too recent. */
  #progress(): void {
    if (!this.#known) return;
    const now = this.#now();
    this.#meter.sample(now, this.#bytes);
    // The last report is the final line's job, so a plain log does not show 100% twice.
    if (now - this.#drawnAt < this.#intervalMs || (!this.#tty && this.#bytes >= this.#total)) return;
    this.#drawnAt = now;
    const total = this.#total;
    this.#draw(formatProgress({ bytes: this.#bytes, total, rate: this.#meter.rate(), eta: this.#meter.eta(total) }), false);
  }

  #draw(progress: string, final: boolean): void {
    const line = this.#withLabel(progress);
    this.#drawn = true;
    if (this.#print !== undefined) this.#print(line);
    else if (this.#tty) this.#output.write(`${ERASE_LINE}${line}${final ? '\n' : ''}`);
    else this.#output.write(`${line}\n`);
  }

  /** Puts the label before the bar; on a TTY, shortens it (or drops it) so the line never wraps. */
  #withLabel(progress: string): string {
    if (this.label === '') return progress;
    const columns = this.#tty ? this.#output.columns : undefined;
    if (columns === undefined || columns <= 0) return `${this.label} ${progress}`;
    const room = columns - 1 - progress.length - 1;
    if (room >= this.label.length) return `${this.label} ${progress}`;
    if (room < 4) return progress.slice(0, Math.max(0, columns - 1));
    return `${this.label.slice(0, room - 1)}… ${progress}`;
  }
}

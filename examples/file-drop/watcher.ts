/**
 * Watches the drop folder and reports each file once it is complete: when its size and
 * modification time have not changed for `settleMs` (a file copied in slowly is not shared half
 * written); a file renamed in whole, whose modification time is older than that, at once. Names of
 * files still being written (`*.part`, `*.tmp`, hidden files …) are ignored. Change notifications
 * (`fs.watch`) make it prompt; a periodic scan makes it reliable where they are missing (network
 * and container file systems).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A regular file of the folder, as one scan saw it. */
export interface Observed {
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * Names never shared: hidden files (the ledger among them) and the usual names of files still
 * being written, which their writer renames once complete.
 */
export function isIgnored(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.(part|partial|tmp|temp|crdownload|download|swp)$/i.test(name);
}

/**
 * Decides when files are complete, from successive scans. Pure: the time is given, nothing is read.
 *
 * @example
 * ```ts
 * const settler = new Settler(1000);
 * settler.observe([{ name: 'a.bin', size: 10, mtimeMs: 5000 }], 5000); // { ready: [], waiting: [a.bin], waitMs: 1000 }
 * settler.observe([{ name: 'a.bin', size: 10, mtimeMs: 5000 }], 6000); // { ready: [a.bin], waiting: [], waitMs: undefined }
 * ```
 */
export class Settler {
  readonly #settleMs: number;
  readonly #seen = new Map<string, Observed & { since: number; reported: boolean; announced: boolean }>();

  constructor(settleMs: number) {
    this.#settleMs = settleMs;
  }

  /**
   * Takes one scan at time `now`. Returns the files that have just become complete (each version
   * of a file once); those first seen still changing (`waiting`: once until they are complete, not
   * at every change); and how long until the next may be complete (undefined: none is pending).
   */
  observe(files: readonly Observed[], now: number): { ready: Observed[]; waiting: Observed[]; waitMs: number | undefined } {
    const present = new Set<string>();
    const ready: Observed[] = [];
    const waiting: Observed[] = [];
    let waitMs: number | undefined;
    for (const file of files) {
      present.add(file.name);
      const before = this.#seen.get(file.name);
      let seen = before;
      if (seen === undefined || seen.size !== file.size || seen.mtimeMs !== file.mtimeMs) {
        // A new version; it was already announced as waiting if the previous one never completed.
        seen = { ...file, since: now, reported: false, announced: before !== undefined && !before.reported && before.announced };
        this.#seen.set(file.name, seen);
      }
      if (seen.reported) continue;
      // Complete once seen unchanged for settleMs. A file that was already that old when first
      // seen (renamed in whole, or there before the example started) is complete at once.
      const old = before === undefined && file.mtimeMs <= now - this.#settleMs;
      const left = old ? 0 : seen.since + this.#settleMs - now;
      const observed = { name: file.name, size: file.size, mtimeMs: file.mtimeMs };
      if (left <= 0) {
        seen.reported = true;
        ready.push(observed);
        continue;
      }
      if (!seen.announced) waiting.push(observed);
      seen.announced = true;
      waitMs = Math.min(waitMs ?? left, left);
    }
    for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);
    return { ready, waiting, waitMs };
  }

  /** Forgets `name`: it is reported again once it has settled (after a failed share, for example). */
  forget(name: string): void {
    this.#seen.delete(name);
  }
}

/** Options of a {@link DropWatcher}. */
export interface DropWatcherOptions {
  /** How long a file must stay unchanged. */
  settleMs: number;
  /** How often to scan besides change notifications. */
  scanMs: number;
  /** Called once per complete file (and again for each later version of it). */
  ready: (file: Observed) => void;
  /** Called when a file is first seen still changing. */
  waiting?: (file: Observed) => void;
  /** Called when a scan fails (the folder was removed, for example); scanning goes on. */
  failed?: (error: Error) => void;
}

/** Watches one folder; see the module's description. */
export class DropWatcher {
  readonly #directory: string;
  readonly #options: DropWatcherOptions;
  readonly #settler: Settler;
  #watcher: FSWatcher | undefined;
  #interval: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(directory: string, options: DropWatcherOptions) {
    this.#directory = directory;
    this.#options = options;
    this.#settler = new Settler(options.settleMs);
  }

  /** Starts watching; resolves after the first scan. */
  async start(): Promise<void> {
    try {
      this.#watcher = watch(this.#directory, () => this.#schedule(20));
      this.#watcher.on('error', () => this.#watcher?.close()); // the periodic scan carries on
    } catch {
      // No notifications on this file system: the periodic scan is enough.
    }
    this.#interval = setInterval(() => void this.scan(), this.#options.scanMs);
    await this.scan();
  }

  /** See {@link Settler.forget}; the file is looked at again at the next scan. */
  forget(name: string): void {
    this.#settler.forget(name);
    this.#schedule(20);
  }

  /** Scans now (or right after the scan under way). */
  scan(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#scanning !== undefined) {
      this.#again = true;
      return this.#scanning;
    }
    this.#scanning = this.#scanOnce().finally(() => {
      this.#scanning = undefined;
      if (this.#again) {
        this.#again = false;
        void this.scan();
      }
    });
    return this.#scanning;
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#interval);
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.scan(), delayMs);
  }

  async #scanOnce(): Promise<void> {
    let files: Observed[];
    try {
      files = await this.#list();
    } catch (error) {
      this.#options.failed?.(error as Error);
      return;
    }
    if (this.#closed) return;
    const { ready, waiting, waitMs } = this.#settler.observe(files, Date.now());
    if (waitMs !== undefined) this.#schedule(waitMs);
    for (const file of waiting) this.#options.waiting?.(file);
    for (const file of ready) this.#options.ready(file);
  }

  async #list(): Promise<Observed[]> {
    const entries = await readdir(this.#directory, { withFileTypes: true });
    const files: Observed[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || isIgnored(entry.name)) continue;
      const info = await stat(join(this.#directory, entry.name)).catch(() => undefined);
      if (info?.isFile() === true) files.push({ name: entry.name, size: info.size, mtimeMs: info.mtimeMs });
    }
    return files;
  }
}

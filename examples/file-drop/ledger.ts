/**
 * What the file drop has shared, kept in a small JSON file in the watched folder
 * (`.piechat-shared.json`), so that a restart shares nothing twice. Written atomically: a
 * temporary file, flushed to disk, then renamed over the old one, so a crash leaves either the
 * old record or the new one, never half of one.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The state file's name, in the watched folder (hidden, so never shared itself). */
export const LEDGER_FILE = '.piechat-shared.json';

/** One shared file, as recorded. */
export interface SharedRecord {
  /** Size and modification time when it was shared: a file that changes is shared again. */
  size: number;
  mtimeMs: number;
  /** The stored file's id and SHA-256, as the server verified them. */
  id: string;
  sha256: string;
  room: string;
  /** When it was shared (ms since the epoch). */
  sharedAt: number;
}

interface LedgerFile {
  version: 1;
  files: Record<string, SharedRecord>;
}

/** The ledger file is not one this example wrote: it says what to do. */
export class LedgerError extends Error {
  override name = 'LedgerError';
}

/**
 * The record of shared files, by file name. {@link Ledger.load} reads it;
 * {@link Ledger.record} adds one and writes the file (writes are done one at a time, in order).
 */
export class Ledger {
  readonly #path: string;
  readonly #files: Map<string, SharedRecord>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, files: Map<string, SharedRecord>) {
    this.#path = path;
    this.#files = files;
  }

  /** Reads the ledger of `directory` (none yet: an empty one). Throws a {@link LedgerError} if it is not valid. */
  static async load(directory: string): Promise<Ledger> {
    const path = join(directory, LEDGER_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Ledger(path, new Map());
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const files = (parsed as Partial<LedgerFile> | undefined)?.files;
    if ((parsed as Partial<LedgerFile> | undefined)?.version !== 1 || typeof files !== 'object' || files === null) {
      throw new LedgerError(`${path} is not a ledger this example wrote; move it away to share every file again`);
    }
    return new Ledger(path, new Map(Object.entries(files)));
  }

  /** How many files are recorded. */
  get size(): number {
    return this.#files.size;
  }

  /** True when `name` was shared with exactly this size and modification time. */
  has(name: string, size: number, mtimeMs: number): boolean {
    const record = this.#files.get(name);
    return record !== undefined && record.size === size && record.mtimeMs === mtimeMs;
  }

  /** True when some version of `name` was shared before. */
  knows(name: string): boolean {
    return this.#files.has(name);
  }

  /** Records that `name` was shared, and resolves once the ledger is on disk. */
  record(name: string, record: SharedRecord): Promise<void> {
    this.#files.set(name, record);
    const write = this.#writing.then(() => this.#write());
    this.#writing = write.catch(() => undefined);
    return write;
  }

  /** Resolves once every write asked for so far is done. */
  async flushed(): Promise<void> {
    await this.#writing;
  }

  async #write(): Promise<void> {
    const content: LedgerFile = { version: 1, files: Object.fromEntries(this.#files) };
    const temporary = `${this.#path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, this.#path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

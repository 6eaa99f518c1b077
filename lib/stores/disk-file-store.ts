import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { PieChatError } from '../errors.js';
import { isFileId, parseFileInfo } from '../protocol/file-info.js';
import type { FileInfo } from '../types.js';
import { remainder } from '../util/buffers.js';
import type { FileSink, FileStore } from './file-store.js';

/** Options of a {@link DiskFileStore}. */
export interface DiskFileStoreOptions {
  /**
   * Flush each file, its metadata and the directory to the disk (`fsync`) before the file is
   * announced, so that an announced file survives a power cut. Turn off only where the store is
   * disposable.
   * @default true
   */
  fsync?: boolean;
  /**
   * Leftovers of a crash (partial uploads, bytes without metadata) older than this are removed
   * when the store is first used. Younger ones are left alone: another server sharing the
   * directory may be writing them.
   * @default 3600000 (one hour)
   */
  staleAfterMs?: number;
}

/** Default of {@link DiskFileStoreOptions.staleAfterMs}. */
const DEFAULT_STALE_AFTER_MS = 60 * 60 * 1000;

/** Read size when serving a file: large reads, fewer system calls. */
const READ_BYTES = 256 * 1024;

function storageError(action: string, error: unknown): PieChatError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new PieChatError('ERR_STORAGE', `Could not ${action} (${reason})`, { cause: error });
}

/**
 * The default {@link FileStore}: one directory on disk.
 *
 * - `files/<id>` holds the bytes of a committed file and `files/<id>.json` its metadata; the
 *   metadata is written last, atomically (write + rename), and is what makes a file exist.
 * - `partial/<id>` holds an upload in progress; it is renamed into `files/` only once complete
 *   and verified, so a partial file is never visible.
 *
 * Paths are built only from ids the server generated and checked (32 hexadecimal characters),
 * never from names on the wire. Leftovers of a crash (partial uploads, data without metadata)
 * are removed when the store is first used, once older than `staleAfterMs`.
 *
 * @example
 * ```ts
 * const server = new ChatServer({ storage: new DiskFileStore('/var/lib/piechat', { fsync: true }) });
 * ```
 */
export class DiskFileStore implements FileStore {
  /** The store's directory, absolute. */
  readonly directory: string;
  readonly #fsync: boolean;
  readonly #staleAfterMs: number;
  readonly #files: string;
  readonly #partial: string;
  #ready: Promise<void> | undefined;

  constructor(directory: string, options: DiskFileStoreOptions = {}) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new TypeError(`Expected \`directory\` to be a non-empty string, got \`${String(directory)}\``);
    }
    this.directory = resolve(directory);
    this.#fsync = options.fsync ?? true;
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.#files = join(this.directory, 'files');
    this.#partial = join(this.directory, 'partial');
  }

  async create(id: string): Promise<FileSink> {
    this.#assertId(id);
    await this.#prepare();
    const path = join(this.#partial, id);
    try {
      return new DiskFileSink(await open(path, 'wx'), path, join(this.#files, id), this.#fsync);
    } catch (error) {
      throw storageError('create a file for the upload', error);
    }
  }

  async open(id: string, offset: number): Promise<Readable> {
    if (!isFileId(id)) throw notFound(id);
    await this.#prepare();
    const path = join(this.#files, id);
    try {
      await stat(`${path}.json`);
    } catch {
      throw notFound(id);
    }
    const stream = createReadStream(path, { start: offset, highWaterMark: READ_BYTES });
    await new Promise<void>((resolveOpen, reject) => {
      stream.once('open', () => resolveOpen());
      stream.once('error', (error) => reject(notFound(id, error)));
    });
    return stream;
  }

  async list(): Promise<FileInfo[]> {
    await this.#prepare();
    const files: FileInfo[] = [];
    for (const entry of await readdir(this.#files)) {
      if (!entry.endsWith('.json') || !isFileId(entry.slice(0, -5))) continue;
      try {
        const info = parseFileInfo(JSON.parse(await readFile(join(this.#files, entry), 'utf8')) as Record<string, unknown>);
        if (info.id === entry.slice(0, -5)) files.push(info);
      } catch {
        // Unreadable metadata: the file does not exist for PieChat; leave it for an operator.
      }
    }
    return files.sort((a, b) => a.at - b.at);
  }

  async delete(id: string): Promise<boolean> {
    if (!isFileId(id)) return false;
    await this.#prepare();
    const path = join(this.#files, id);
    try {
      await unlink(`${path}.json`);
    } catch {
      return false;
    }
    await rm(path, { force: true });
    return true;
  }

  #assertId(id: string): void {
    if (!isFileId(id)) throw new PieChatError('ERR_STORAGE', 'A file id is 32 hexadecimal characters');
  }

  async #removeIfStale(path: string): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > this.#staleAfterMs) await rm(path, { force: true });
  }

  /** Creates the directories and removes what a crash may have left. Runs once. */
  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await mkdir(this.#files, { recursive: true });
        await mkdir(this.#partial, { recursive: true });
        for (const entry of await readdir(this.#partial)) await this.#removeIfStale(join(this.#partial, entry));
        const entries = new Set(await readdir(this.#files));
        for (const entry of entries) {
          const orphan = (isFileId(entry) && !entries.has(`${entry}.json`)) || entry.endsWith('.json.tmp');
          if (orphan) await this.#removeIfStale(join(this.#files, entry));
        }
      } catch (error) {
        this.#ready = undefined;
        throw storageError(`prepare the storage directory ${this.directory}`, error);
      }
    })();
    return this.#ready;
  }
}

function notFound(id: string, cause?: unknown): PieChatError {
  return new PieChatError('ERR_FILE_NOT_FOUND', `No file with id ${JSON.stringify(id.slice(0, 40))}`, { cause });
}

/** Writes a small file, flushed to the disk when `sync` is set. */
async function writeDurably(path: string, text: string, sync: boolean): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text);
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a directory's entries (renames, creations) to the disk. Windows cannot open a
 * directory for this (its file system orders metadata writes itself), so there it is skipped.
 */
async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * With fsync on, bytes are flushed to the disk in the background every this many bytes, so that
 * the flush before the file is announced has little left to do (and the disk works while the
 * upload is still arriving).
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

/** One upload being written into `partial/`. */
class DiskFileSink implements FileSink {
  readonly #handle: FileHandle;
  readonly #partialPath: string;
  readonly #finalPath: string;
  readonly #fsync: boolean;
  #closed = false;
  #written = 0;
  #flushedAt = 0;
  #flushing: Promise<void> | undefined;

  constructor(handle: FileHandle, partialPath: string, finalPath: string, fsync: boolean) {
    this.#handle = handle;
    this.#partialPath = partialPath;
    this.#finalPath = finalPath;
    this.#fsync = fsync;
  }

  async write(chunks: readonly Buffer[]): Promise<void> {
    if (this.#fsync) this.#flushBehind(chunks);
    let pending = chunks;
    try {
      while (pending.length > 0) {
        const { bytesWritten } = await this.#handle.writev(pending as Buffer[]);
        pending = remainder(pending, bytesWritten);
      }
    } catch (error) {
      throw storageError('write the upload', error);
    }
  }

  async commit(info: FileInfo): Promise<void> {
    try {
      await this.#flushing;
      if (this.#fsync) await this.#handle.sync();
      await this.#close();
      await rename(this.#partialPath, this.#finalPath);
      const metadata = `${this.#finalPath}.json`;
      await writeDurably(`${metadata}.tmp`, JSON.stringify(info), this.#fsync);
      await rename(`${metadata}.tmp`, metadata);
      // The renames are durable once the directory itself is flushed.
      if (this.#fsync) await syncDirectory(dirname(this.#finalPath));
    } catch (error) {
      // Metadata first: without it the file does not exist, whatever else is left.
      await rm(`${this.#finalPath}.json`, { force: true }).catch(() => undefined);
      await rm(this.#finalPath, { force: true }).catch(() => undefined);
      await this.abort();
      throw storageError('store the file', error);
    }
  }

  async abort(): Promise<void> {
    await this.#flushing?.catch(() => undefined);
    await this.#close().catch(() => undefined);
    await rm(this.#partialPath, { force: true }).catch(() => undefined);
  }

  /** Starts a background flush when another {@link FLUSH_EVERY_BYTES} were written (one at a time). */
  #flushBehind(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) this.#written += chunk.length;
    if (this.#flushing !== undefined || this.#written - this.#flushedAt < FLUSH_EVERY_BYTES) return;
    this.#flushedAt = this.#written;
    this.#flushing = this.#handle.datasync().finally(() => {
      this.#flushing = undefined;
    });
    // A failure shows again in the flush of commit(); here it must not go unhandled.
    this.#flushing.catch(() => undefined);
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

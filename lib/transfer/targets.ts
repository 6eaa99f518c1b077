import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { PieChatError } from '../errors.js';
import { remainder } from '../util/buffers.js';
import { sanitizeFileName } from '../util/file-name.js';

/** Where a download's bytes go. Nothing is left behind by {@link DownloadTarget.abort}. */
export interface DownloadTarget {
  /** Appends chunks in order; calls never overlap. */
  write(chunks: readonly Buffer[]): Promise<void>;
  /**
   * Every byte arrived and was verified: finish (rename the temporary file, end the stream).
   * Resolves with the path the file was saved at, for a file target.
   */
  commit(): Promise<string | undefined>;
  /** Gives up: removes the temporary file, or destroys the stream with `error`. */
  abort(error: PieChatError): Promise<void>;
}

function localError(action: string, path: string, error: unknown): PieChatError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new PieChatError('ERR_STORAGE', `Could not ${action} ${JSON.stringify(path)} (${code})`, { cause: error });
}

/** Most `name (n).ext` variants tried for a free name in a directory. */
const MAX_NAME_VARIANTS = 1000;

/** `report (2).pdf` for `report.pdf` and 2. */
function variant(name: string, index: number): string {
  if (index === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${index})${name.slice(dot)}` : `${name} (${index})`;
}

/**
 * Moves the finished temporary file into `directory` under `name`, or `name (1)`, `name (2)`, …
 * if taken: a hard link never replaces an existing file, so nothing of the user's is clobbered.
 */
async function placeInDirectory(temporary: string, directory: string, name: string): Promise<string> {
  for (let index = 0; index < MAX_NAME_VARIANTS; index++) {
    const path = join(directory, variant(name, index));
    try {
      await link(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await rm(temporary, { force: true });
    return path;
  }
  throw new Error(`no free name for ${name}`);
}

/**
 * A download into a file. If `destination` is an existing directory (or ends with a path
 * separator: the directory is then created), the file goes inside it
 * under its sanitised display name (`name (1).ext` and so on if that is taken: an existing file
 * is never replaced); otherwise `destination` is the file's path, replaced if it exists. Bytes
 * go to a temporary file beside it, moved into place only once complete and verified, so the
 * destination never holds a partial file. Nothing is ever written outside that directory.
 */
export async function openFileTarget(destination: string, fileName: string): Promise<DownloadTarget> {
  let path = resolve(destination);
  // A trailing separator names a directory, created if need be.
  if (/[/\\]$/.test(destination)) await mkdir(path, { recursive: true }).catch((error: unknown) => Promise.reject(localError('create the directory', path, error)));
  const existing = await stat(path).catch(() => undefined);
  const intoDirectory = existing?.isDirectory() === true;
  const directory = intoDirectory ? path : dirname(path);
  const name = intoDirectory ? sanitizeFileName(fileName) : basename(path);
  path = join(directory, name);
  const temporary = join(dirname(path), `.${basename(path).slice(0, 200)}.${randomBytes(4).toString('hex')}.piechat-part`);
  let handle: FileHandle;
  try {
    handle = await open(temporary, 'wx');
  } catch (error) {
    throw localError('write into', dirname(path), error);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(chunks) {
      let pending = chunks;
      try {
        while (pending.length > 0) {
          const { bytesWritten } = await handle.writev(pending as Buffer[]);
          pending = remainder(pending, bytesWritten);
        }
      } catch (error) {
        throw localError('write', temporary, error);
      }
    },
    async commit() {
      try {
        await close();
        if (intoDirectory) return await placeInDirectory(temporary, directory, name);
        await rename(temporary, path);
        return path;
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw localError('save', path, error);
      }
    },
    async abort() {
      await close().catch(() => undefined);
      await rm(temporary, { force: true }).catch(() => undefined);
    },
  };
}

/**
 * A download into a stream, with its backpressure respected. The stream is ended when the
 * download completes, and destroyed with the error if it fails (the bytes already written cannot
 * be taken back: prefer a path when that matters).
 */
export function streamTarget(stream: Writable): DownloadTarget {
  const failure = (): Promise<never> =>
    new Promise((_resolve, reject) => {
      stream.once('error', (error) => reject(new PieChatError('ERR_STORAGE', `The destination stream failed: ${error.message}`, { cause: error })));
      stream.once('close', () => reject(new PieChatError('ERR_STORAGE', 'The destination stream was closed')));
    });
  const broken = failure();
  broken.catch(() => undefined);
  return {
    async write(chunks) {
      for (const chunk of chunks) {
        if (stream.destroyed) await broken;
        if (!stream.write(chunk)) await Promise.race([new Promise((resolveDrain) => stream.once('drain', resolveDrain)), broken]);
      }
    },
    async commit() {
      await Promise.race([new Promise<void>((resolveEnd) => stream.end(resolveEnd)), broken]);
      return undefined;
    },
    async abort(error) {
      stream.destroy(error);
    },
  };
}

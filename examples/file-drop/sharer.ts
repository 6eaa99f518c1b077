/**
 * Shares one file into the room, with a progress line at most once a second and a final one.
 * The ChatClient pauses an upload when the connection drops and continues it from the last byte
 * the server wrote once it is back; this file handles what the client cannot: a server that lost
 * the partial upload (a new server process) is answered by starting the file over.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isPieChatError, type ChatClient, type FileInfo } from 'piechat';
import { formatBytes, ProgressBar } from 'piechat';
import type { Observed } from './watcher.js';

/** How a share ended. */
export type ShareOutcome =
  | { kind: 'shared'; file: FileInfo }
  /** The file was removed before it could be shared. */
  | { kind: 'gone' }
  /** The file changed while it was read: share it again once it settles. */
  | { kind: 'changed' }
  | { kind: 'failed'; reason: string }
  /** The example is stopping. */
  | { kind: 'stopped' };

/** Most attempts at one file before giving up on it (until it changes or the example restarts). */
export const MAX_ATTEMPTS = 5;

/** What to do after an upload failed with `code`. */
export function afterFailure(code: string | undefined): 'again' | 'resettle' | 'give-up' {
  switch (code) {
    // The file's size or content changed while it was read.
    case 'ERR_CHECKSUM':
      return 'resettle';
    // The server lost the partial upload (it restarted), or a passing trouble on the way.
    case 'ERR_FILE_NOT_FOUND':
    case 'ERR_CLOSED':
    case 'ERR_NOT_CONNECTED':
    case 'ERR_TIMEOUT':
    case 'ERR_STORAGE':
    case 'ERR_TOO_MANY_TRANSFERS':
    case 'ERR_RATE_LIMITED':
    case 'ERR_NOT_IN_ROOM':
      return 'again';
    default:
      return 'give-up';
  }
}

/** A failure worth one line: `ERR_QUOTA_EXCEEDED: …`, or the error's message. */
export function describeError(error: unknown): string {
  if (isPieChatError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

// eslint-disable-next-line no-control-regex
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** Shares files of one folder into one room, one call per file. */
export class Sharer {
  readonly #client: ChatClient;
  readonly #room: string;
  readonly #directory: string;
  readonly #print: (line: string) => void;
  readonly #signal: AbortSignal;

  /** `signal` aborts waits between attempts when the example stops. */
  constructor(client: ChatClient, room: string, directory: string, print: (line: string) => void, signal: AbortSignal) {
    this.#client = client;
    this.#room = room;
    this.#directory = directory;
    this.#print = print;
    this.#signal = signal;
  }

  /** Shares `file`, trying again (from the start) while the failure is one that may pass. */
  async share(file: Observed): Promise<ShareOutcome> {
    const path = join(this.#directory, file.name);
    const name = printable(file.name);
    this.#print(`sharing: ${name} (${formatBytes(file.size)}) into ${this.#room}`);
    for (let attempt = 1; ; attempt++) {
      try {
        return { kind: 'shared', file: await this.#upload(path, name) };
      } catch (error) {
        if (this.#signal.aborted || this.#client.state === 'closed') return { kind: 'stopped' };
        const code = isPieChatError(error) ? error.code : undefined;
        if (code === 'ERR_FILE_NOT_FOUND' && !(await exists(path))) return { kind: 'gone' };
        const next = afterFailure(code);
        if (next === 'resettle') return { kind: 'changed' };
        if (next === 'give-up' || attempt >= MAX_ATTEMPTS) return { kind: 'failed', reason: describeError(error) };
        const why = code === 'ERR_FILE_NOT_FOUND' ? 'the server lost the partial upload' : 'the upload failed';
        this.#print(`retry: ${name}: ${why} (${describeError(error)}); starting over, attempt ${attempt + 1} of ${MAX_ATTEMPTS}`);
        if (code === 'ERR_NOT_IN_ROOM' && this.#client.connected) await this.#client.join(this.#room).catch(() => undefined);
        // A lost partial upload is started over at once; anything else after a growing pause.
        if (code !== 'ERR_FILE_NOT_FOUND') {
          const waited = await delay(1000 * attempt, true, { signal: this.#signal }).catch(() => false);
          if (!waited) return { kind: 'stopped' };
        }
      }
    }
  }

  async #upload(path: string, name: string): Promise<FileInfo> {
    const bar = new ProgressBar({ label: `progress: ${name}`, print: this.#print });
    const upload = this.#client.sendFile(path, { room: this.#room });
    upload.on('progress', ({ bytes, total }) => bar.update(bytes, total));
    try {
      const file = await upload;
      bar.done(file.size);
      return file;
    } finally {
      bar.stop();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

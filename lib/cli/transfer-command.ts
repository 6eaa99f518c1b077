import { stat } from 'node:fs/promises';
import { ChatClient } from '../client/chat-client.js';
import { isPieChatError, PieChatError } from '../errors.js';
import type { Transfer } from '../transfer/transfer.js';
import type { FileInfo } from '../types.js';
import { printable } from '../util/text.js';
import { clientSecurityOf, defaultUserName, hostOf, portOf } from './args.js';
import { ProgressBar } from './progress-bar.js';

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs `body` with a signal that the first Ctrl-C (SIGINT) aborts, so a transfer can be cancelled
 * cleanly: resolves with 0 when `body` completes, or with {@link EXIT_INTERRUPTED} once `body`
 * has settled after an interruption. A second Ctrl-C exits at once, without waiting.
 */
export async function interruptible(body: (signal: AbortSignal) => Promise<void>): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    await body(controller.signal);
    return 0;
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    console.error(isPieChatError(error, 'ERR_ABORTED') ? `piechat: ${error.code}: ${error.message}` : 'piechat: interrupted');
    return EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The connection options of a one-shot command, as parsed. */
export interface ConnectValues {
  name?: string;
  host?: string;
  port?: string;
  tls?: boolean;
  ca?: string;
  token?: string;
}

/**
 * Connects a client named `--name` (or {@link defaultUserName}); aborting `signal` meanwhile
 * closes it, so `connect()` rejects at once instead of running to its timeout.
 */
export async function connectFor(values: ConnectValues, signal: AbortSignal): Promise<ChatClient> {
  const client = new ChatClient({ name: values.name ?? defaultUserName(), host: hostOf(values.host), port: portOf(values.port), ...clientSecurityOf(values) });
  const abort = (): void => void client.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    if (signal.aborted) throw new PieChatError('ERR_ABORTED', 'Interrupted before connecting');
    await client.connect();
    return client;
  } catch (error) {
    await client.close();
    throw error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/** Joins `room` unless the client is already in it (a default room, or joined before). */
export async function ensureJoined(client: ChatClient, room: string): Promise<void> {
  if (!client.joined.includes(room)) await client.join(room);
}

/**
 * Checks that `path` is a regular file before anything is sent, and resolves with its size.
 * Rejects with `ERR_FILE_NOT_FOUND`, as `sendFile()` would, but without needing a server.
 */
export async function localFileSize(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PieChatError('ERR_FILE_NOT_FOUND', `Cannot read ${JSON.stringify(path)} (${code})`, { cause: error });
  }
  if (!info.isFile()) throw new PieChatError('ERR_FILE_NOT_FOUND', `${JSON.stringify(path)} is not a file`);
  return info.size;
}

/**
 * Awaits a transfer while a {@link ProgressBar} on stdout shows it (labelled `label`, or the file's
 * name from its first report); draws the final line on success and ends the bar on failure.
 */
export async function withProgressBar<T extends FileInfo>(transfer: Transfer<T>, label?: string): Promise<T> {
  const bar = new ProgressBar({ label });
  transfer.on('progress', ({ bytes, total, name }) => {
    if (label === undefined) bar.label = printable(name);
    bar.update(bytes, total);
  });
  try {
    const file = await transfer;
    bar.done(file.size);
    return file;
  } catch (error) {
    bar.stop();
    throw error;
  }
}

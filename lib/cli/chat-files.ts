import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { ChatClient } from '../client/chat-client.js';
import { isPieChatError } from '../errors.js';
import type { Transfer } from '../transfer/transfer.js';
import type { DownloadedFile, FileInfo } from '../types.js';
import { printable } from '../util/text.js';
import { UsageError } from './args.js';
import { formatBytes, ProgressBar } from './progress-bar.js';
import { localFileSize } from './transfer-command.js';

/** `* alice shared report.pdf (1.2 MiB) — /get <id>`: how the chat announces a new file. */
export function formatFileShared(file: FileInfo): string {
  const privately = file.room === undefined ? ' with you' : '';
  return `* ${file.from} shared ${printable(file.name)} (${formatBytes(file.size)})${privately} — /get ${file.id}`;
}

/** The lines of `/files`: id, size, room (or sender -> recipient), uploader and name, in columns. */
export function formatFileList(files: readonly FileInfo[]): string[] {
  const where = (file: FileInfo): string => file.room ?? `${file.from} -> ${file.to ?? '?'}`;
  const whereWidth = Math.max(0, ...files.map((file) => where(file).length));
  const fromWidth = Math.max(0, ...files.map((file) => file.from.length));
  return files.map(
    (file) => `* ${file.id}  ${formatBytes(file.size).padStart(10)}  ${where(file).padEnd(whereWidth)}  ${file.from.padEnd(fromWidth)}  ${printable(file.name)}`,
  );
}

/** A path as typed: surrounding quotes removed, a leading `~` for the home directory. */
function typedPath(text: string): string {
  const unquoted = /^(["'])(.*)\1$/.exec(text)?.[2] ?? text;
  return unquoted === '~' || unquoted.startsWith('~/') ? join(homedir(), unquoted.slice(1)) : unquoted;
}

/** How one transfer is reported when it ends. */
interface Outcome {
  done: (file: DownloadedFile, bar: ProgressBar) => string;
  failed: string;
}

/**
 * The file side of an interactive chat: `/send`, `/get` and `/files`. Transfers run in the
 * background (a command returns once its transfer started, so the next line runs meanwhile),
 * report progress at most once a second and a final line, and are tracked so that the session
 * can wait for them, or cancel them, before it ends.
 */
export class ChatFiles {
  readonly #client: ChatClient;
  readonly #say: (line: string) => void;
  readonly #running = new Map<Transfer<FileInfo>, Promise<void>>();
  #cancelled = false;

  /** `say` prints one line above the prompt. */
  constructor(client: ChatClient, say: (line: string) => void) {
    this.#client = client;
    this.#say = say;
  }

  /** Transfers still running. */
  get running(): number {
    return this.#running.size;
  }

  /** `/send <path>` into `room`, or `/send @user <path>` privately. */
  async send(argument: string, room: string | undefined): Promise<void> {
    const match = /^@(\S+)\s+(.+)$/.exec(argument);
    if (argument === '' || (argument.startsWith('@') && match === null)) throw new UsageError('Usage: /send [@user] <path>');
    const to = match?.[1];
    const path = typedPath(match?.[2] ?? argument);
    if (to === undefined && room === undefined) throw new UsageError('You are in no room: /join <room> first, or /send @user <path>');
    // Checked now, in order with the other lines: a typo is reported before anything starts.
    const size = await localFileSize(path);
    const name = printable(basename(path));
    const target = to === undefined ? room! : `@${to}`;
    this.#say(`* uploading ${name} (${formatBytes(size)}) to ${target}`);
    this.#start(this.#client.sendFile(path, to === undefined ? { room: room! } : { to }), 'uploading', name, {
      done: (file, bar) => `* uploaded ${printable(file.name)} to ${target}: ${bar.summary(file.size)} — id ${file.id}`,
      failed: `upload of ${name} to ${target} failed`,
    });
  }

  /** `/get <fileId> [dest]`: into `dest` (a directory receives the file under its name), default `.`. */
  async get(argument: string): Promise<void> {
    const match = /^(\S+)(?:\s+(.+))?$/.exec(argument);
    if (match === null) throw new UsageError('Usage: /get <fileId> [dest]');
    const fileId = match[1]!;
    const destination = typedPath(match[2] ?? '.');
    this.#start(this.#client.download(fileId, destination), 'downloading', undefined, {
      done: (file, bar) => `* saved ${printable(file.name)} to ${printable(file.path ?? destination)}: ${bar.summary(file.size)} — sha256 ${file.sha256} verified`,
      failed: `download of ${printable(fileId)} failed`,
    });
  }

  /** `/files [room]`: the files this user may download. */
  async list(room: string): Promise<void> {
    const files = await this.#client.files(room === '' ? {} : { room });
    if (files.length === 0) return this.#say(room === '' ? '* no files' : `* no files in ${room}`);
    for (const line of formatFileList(files)) this.#say(line);
  }

  /** Cancels every running transfer, and any started from now on. */
  cancelAll(): void {
    this.#cancelled = true;
    for (const transfer of this.#running.keys()) transfer.cancel();
  }

  /** Resolves once every running transfer has ended (and printed how). */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values());
  }

  /** Runs `transfer` in the background; `name` is the file's, or taken from its first report. */
  #start(transfer: Transfer<FileInfo>, verb: string, name: string | undefined, outcome: Outcome): void {
    const bar = new ProgressBar({ label: `${verb} ${name ?? ''}`, print: (line) => this.#say(`* ${line}`) });
    transfer.on('progress', (progress) => {
      if (name === undefined) bar.label = `${verb} ${printable(progress.name)}`;
      const { bytes, total } = progress;
      bar.update(bytes, total);
    });
    const reported = transfer.then(
      (file) => {
        bar.stop(); // the outcome line is the final line
        this.#say(outcome.done(file, bar));
      },
      (error: unknown) => {
        bar.stop();
        const reason = isPieChatError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
        this.#say(`! ${outcome.failed}: ${printable(reason)}`);
      },
    );
    this.#running.set(
      transfer,
      reported.finally(() => this.#running.delete(transfer)),
    );
    if (this.#cancelled) transfer.cancel();
  }
}

import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { PieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { CancelMessage, CreditMessage } from '../protocol/messages.js';
import { Transfer, type TransferControl } from '../transfer/transfer.js';
import type { DownloadedFile, FileInfo } from '../types.js';
import { isFileId } from '../protocol/file-info.js';
import { assertSignal, describe } from '../util/assert.js';
import { quote } from '../util/names.js';
import { DownloadTask, type DownloadOptions } from './download-task.js';
import type { TransferHost } from './transfer-host.js';
import { UploadTask, type SendFileOptions, type UploadDescription, type UploadSource } from './upload-task.js';

/**
 * Whether `value` is a writable stream: a `Writable`, or anything that writes like one (an HTTP
 * `ServerResponse` is not an `instanceof Writable`, yet is one).
 */
function isWritable(value: unknown): value is Writable {
  if (value instanceof Writable) return true;
  const stream = value as { write?: unknown; end?: unknown; on?: unknown; once?: unknown } | null;
  return typeof stream === 'object' && stream !== null && typeof stream.write === 'function' && typeof stream.end === 'function' && typeof stream.on === 'function' && typeof stream.once === 'function';
}

/** Checks `sendFile()`'s arguments; throws the `TypeError` the transfer rejects with. */
function checkUpload(source: UploadSource, options: SendFileOptions): void {
  if (!(typeof source === 'string' && source.length > 0) && !(source instanceof Uint8Array) && !(source instanceof Readable)) {
    throw new TypeError(`Expected \`source\` to be a file path, a Uint8Array or a Readable, got \`${describe(source)}\``);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, got \`${describe(options)}\``);
  const { room, to, name, size, signal } = options as unknown as Record<string, unknown>;
  if ((room === undefined) === (to === undefined) || (room !== undefined && typeof room !== 'string') || (to !== undefined && typeof to !== 'string')) {
    throw new TypeError('Expected `options` to have a `room` or a `to` (a string), not both');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new TypeError(`Expected \`name\` to be a non-empty string, got \`${describe(name)}\``);
  if (source instanceof Readable && size === undefined) throw new TypeError('Expected `size` (bytes) with a Readable source: the server checks it before the first byte');
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw new TypeError(`Expected \`size\` to be a non-negative integer, got \`${describe(size)}\``);
  }
  if (signal !== undefined) assertSignal('signal', signal);
}

/** Checks `download()`'s arguments. */
function checkDownload(fileId: string, destination: string | Writable, options: DownloadOptions): void {
  if (typeof fileId !== 'string' || fileId.length === 0) throw new TypeError(`Expected \`fileId\` to be a non-empty string, got \`${describe(fileId)}\``);
  // Only the server's generated ids name files: anything else is refused here, without a round trip.
  if (!isFileId(fileId)) throw new PieChatError('ERR_FILE_NOT_FOUND', `No file with id ${quote(fileId)}`);
  if (!(typeof destination === 'string' && destination.length > 0) && !isWritable(destination)) {
    throw new TypeError(`Expected \`destination\` to be a path or a Writable, got \`${describe(destination)}\``);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, got \`${describe(options)}\``);
  if (options.signal !== undefined) assertSignal('signal', options.signal);
}

/**
 * The client's transfers: creates uploads and downloads as {@link Transfer}s, routes the
 * server's flow control and data frames to them by stream, suspends them while the connection is
 * down and continues them after the reconnection, and fails them all when the client gives up.
 */
export class ClientTransfers {
  readonly #host: TransferHost;
  /** Every transfer not settled yet, with a stream or not. */
  readonly #tasks = new Set<UploadTask | DownloadTask>();
  readonly #uploads = new Map<number, UploadTask>();
  readonly #downloads = new Map<number, DownloadTask>();
  /** Uploads that failed while the connection was down: the server is told to drop them. */
  #abandoned: UploadDescription[] = [];
  #suspended = false;

  constructor(host: TransferHost) {
    this.#host = host;
  }

  /** Starts an upload (see `ChatClient.sendFile`). */
  upload(source: UploadSource, options: SendFileOptions): Transfer<FileInfo> {
    return this.#start(
      (transfer, control) => new UploadTask(this.#host, transfer, control),
      (task) => {
        checkUpload(source, options);
        return task.run(source, options);
      },
      this.#uploads,
      options?.signal,
    );
  }

  /** Starts a download (see `ChatClient.download`). */
  download(fileId: string, destination: string | Writable, options: DownloadOptions = {}): Transfer<DownloadedFile> {
    return this.#start(
      (transfer, control) => new DownloadTask(this.#host, transfer, control),
      (task) => {
        checkDownload(fileId, destination, options);
        task.run(fileId, destination);
      },
      this.#downloads,
      options?.signal,
    );
  }

  /** The server granted an upload more window. */
  credit(message: CreditMessage): void {
    this.#uploads.get(message.stream)?.credit(message.ack, message.window);
  }

  /** The server ended a transfer. */
  cancelled(message: CancelMessage): void {
    const error = new PieChatError(message.code, message.message);
    this.#uploads.get(message.stream)?.fail(error, false);
    this.#downloads.get(message.stream)?.fail(error, false);
  }

  /** A data frame arrived; frames of a transfer that just ended are ignored. */
  data(frame: DataFrame): void {
    this.#downloads.get(frame.stream)?.data(frame);
  }

  /** The connection was lost and the client is reconnecting: every transfer waits. */
  suspend(): void {
    this.#suspended = true;
    for (const task of this.#tasks) task.suspend();
  }

  /**
   * A new connection is up (stream ids start again): uploads abandoned meanwhile are dropped on
   * the server, and every other transfer continues.
   */
  reconnected(): void {
    this.#suspended = false;
    this.#uploads.clear();
    this.#downloads.clear();
    const abandoned = this.#abandoned;
    this.#abandoned = [];
    for (const description of abandoned) this.#dropOnServer(description);
    for (const task of [...this.#tasks]) task.reconnected();
  }

  /** The client gave up (or was closed): every transfer fails with `error`. */
  disconnected(error: PieChatError): void {
    this.#suspended = false;
    for (const task of [...this.#tasks]) task.fail(error, false);
    this.#abandoned = [];
  }

  /**
   * Names an upload the server may have kept (to resume it) and cancels it at once: the server
   * deletes the partial file and gives the quota back instead of keeping them until they expire.
   */
  #dropOnServer(description: UploadDescription): void {
    const connection = this.#host.connection();
    if (connection === undefined) return;
    const stream = this.#host.nextStream();
    this.#host.request({ t: 'upload', stream, ...description, resume: description.transfer }, () => undefined).catch(() => undefined);
    connection.send({ t: 'cancel', stream, code: 'ERR_ABORTED', message: 'The upload was cancelled while the connection was lost' });
  }

  #start<R extends FileInfo, T extends UploadTask | DownloadTask>(
    make: (transfer: Transfer<R>, control: TransferControl<R>) => T,
    run: (task: T) => Promise<void> | void,
    tasks: Map<number, T>,
    signal: AbortSignal | undefined,
  ): Transfer<R> {
    let task: T | undefined;
    let cancelled = false;
    const transfer: Transfer<R> = new Transfer<R>(
      randomUUID(),
      (control) => {
        // The transfer exists before its task (the task reports progress on it).
        queueMicrotask(() => {
          const created = make(transfer, control);
          task = created;
          this.#tasks.add(created);
          if (this.#suspended) created.suspend();
          created.onStream = () => tasks.set(created.stream, created);
          created.onSettled = () => {
            this.#tasks.delete(created);
            if (tasks.get(created.stream) === created) tasks.delete(created.stream);
            signal?.removeEventListener('abort', abort);
            const left = created instanceof UploadTask ? created.leftOnServer : undefined;
            if (left !== undefined) this.#abandoned.push(left);
          };
          if (cancelled || signal?.aborted === true) return created.cancel();
          new Promise<void>((resolve) => resolve(run(created))).catch((error: unknown) => created.fail(error as PieChatError, false));
        });
      },
      () => {
        cancelled = true;
        task?.cancel();
      },
    );
    const abort = (): void => transfer.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    return transfer;
  }
}

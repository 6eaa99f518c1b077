import type { Writable } from 'node:stream';
import { PieChatError, toPieChatError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import { ProgressMeter } from '../transfer/progress.js';
import { Receiver } from '../transfer/receiver.js';
import { openFileTarget, streamTarget, type DownloadTarget } from '../transfer/targets.js';
import type { TransferControl, Transfer } from '../transfer/transfer.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { DownloadedFile, FileInfo } from '../types.js';
import { parseFileResult } from './results.js';
import type { TransferHost } from './transfer-host.js';

/** Options of `client.download()`. */
export interface DownloadOptions {
  /** Aborting it cancels the download, like `transfer.cancel()`. */
  signal?: AbortSignal;
}

/**
 * One download on the client: asks for the file, prepares the destination, then opens the flow
 * with a window; writes, hashes and acknowledges as bytes arrive, and resolves only once the
 * SHA-256 matches (and, for a path, the temporary file was renamed into place).
 *
 * A lost connection suspends it; after the reconnection, once everything received is written,
 * it asks for the rest of the file from that offset on a new stream. The digest runs on across
 * connections, so the end check covers every byte.
 */
export class DownloadTask {
  readonly #host: TransferHost;
  readonly #transfer: Transfer<DownloadedFile>;
  readonly #control: TransferControl<DownloadedFile>;
  #fileId = '';
  #destination: string | Writable | undefined;
  #stream = 0;
  /** Counts requests: an answer to an older one (a lost connection's) is ignored. */
  #attempt = 0;
  #begun = false;
  #suspended = false;
  #settled = false;
  #connection: Connection | undefined;
  /** The file as first described by the server: later answers must match it. */
  #file: FileInfo | undefined;
  #target: Promise<DownloadTarget> | undefined;
  #receiver: Receiver | undefined;
  /** Called when the task takes a stream id, so the client can route to it. */
  onStream: ((task: DownloadTask) => void) | undefined;
  /** Called when the task settles, so the client forgets it. */
  onSettled: ((task: DownloadTask) => void) | undefined;

  constructor(host: TransferHost, transfer: Transfer<DownloadedFile>, control: TransferControl<DownloadedFile>) {
    this.#host = host;
    this.#transfer = transfer;
    this.#control = control;
  }

  /** The stream id on the current connection, once assigned. */
  get stream(): number {
    return this.#stream;
  }

  /** Runs the download. */
  run(fileId: string, destination: string | Writable): void {
    const unavailable = this.#host.unavailable();
    if (unavailable !== undefined) throw unavailable;
    this.#fileId = fileId;
    this.#destination = destination;
    this.#begin();
  }

  /** The connection was lost: data stops until {@link reconnected}. */
  suspend(): void {
    this.#suspended = true;
  }

  /** A new connection is up: the download continues on it. */
  reconnected(): void {
    this.#suspended = false;
    if (this.#begun) this.#begin();
  }

  /** A data frame of this download arrived. Throws `ERR_PROTOCOL` if the server broke the flow rules. */
  data(frame: DataFrame): void {
    if (this.#settled) return;
    if (this.#receiver === undefined) throw new PieChatError('ERR_PROTOCOL', `Data on stream ${frame.stream} before its window was granted`);
    this.#receiver.receive(frame.offset, frame.chunks, frame.length);
  }

  /** Cancels on the app's request: both sides end with `ERR_ABORTED`. */
  cancel(): void {
    this.fail(new PieChatError('ERR_ABORTED', 'The download was cancelled'), true);
  }

  /**
   * Ends the download with `error`; with `tellServer`, the server is sent a `cancel`. The
   * transfer rejects once the partial file is removed.
   */
  fail(error: PieChatError, tellServer: boolean): void {
    if (this.#settled) return;
    this.#settle();
    this.#receiver?.fail(error);
    if (tellServer && this.#stream !== 0) this.#send({ t: 'cancel', stream: this.#stream, code: error.code, message: error.message });
    const cleaned = this.#target?.then((target) => target.abort(error)) ?? Promise.resolve();
    void cleaned.catch(() => undefined).then(() => this.#control.reject(error));
  }

  #begin(): void {
    this.#begun = true;
    if (this.#settled || this.#suspended || this.#host.connection() === undefined) return;
    const attempt = ++this.#attempt;
    this.#request(attempt).catch((error: unknown) => {
      // A lost connection: the download asks again after the reconnection.
      if (attempt === this.#attempt && !this.#suspended) this.fail(toPieChatError(error), true);
    });
  }

  /** Asks for the file from the first byte not written yet, and opens the flow. */
  async #request(attempt: number): Promise<void> {
    const current = (): boolean => attempt === this.#attempt && !this.#suspended && !this.#settled;
    const receiver = this.#receiver;
    // Everything received on the lost connection is written first: the offset is exact.
    const offset = receiver === undefined ? 0 : await receiver.pause();
    if (receiver !== undefined && offset === this.#file!.size) return; // complete: the end check runs on
    const connection = this.#host.connection();
    if (!current() || connection === undefined) return;
    this.#connection = connection;
    this.#stream = this.#host.nextStream();
    this.onStream?.(this);
    const request = { t: 'download', stream: this.#stream, transfer: this.#transfer.id, file: this.#fileId, offset };
    const file = await this.#host.request(request, parseFileResult);
    if (this.#file === undefined) this.#file = file;
    else if (file.size !== this.#file.size || file.sha256 !== this.#file.sha256) {
      throw new PieChatError('ERR_FILE_NOT_FOUND', `The file ${this.#fileId} changed on the server while the connection was lost`);
    }
    this.#target ??= this.#openTarget(file);
    const target = await this.#target;
    if (this.#settled) return;
    this.#receiver ??= this.#receive(file, target);
    if (!current()) return;
    const window = this.#receiver.resume((ack, more) => this.#send({ t: 'credit', stream: this.#stream, ack, window: more }));
    this.#send({ t: 'credit', stream: this.#stream, ack: offset, window });
  }

  async #openTarget(file: FileInfo): Promise<DownloadTarget> {
    const destination = this.#destination!;
    return typeof destination === 'string' ? openFileTarget(destination, file.name) : streamTarget(destination);
  }

  /** The receiver of the file's bytes; the download resolves once they are all written and verified. */
  #receive(file: FileInfo, target: DownloadTarget): Receiver {
    const meter = new ProgressMeter({ transferId: this.#transfer.id, fileId: file.id, name: file.name, direction: 'download', total: file.size }, (progress) => {
      this.#host.progress(this.#transfer, progress);
    });
    const receiver = new Receiver({
      stream: this.#stream,
      size: file.size,
      window: this.#host.windowBytes,
      write: (chunks) => target.write(chunks),
      credit: () => undefined,
      progress: (bytes) => meter.update(bytes),
    });
    void this.#verify(receiver, file, target, meter);
    return receiver;
  }

  async #verify(receiver: Receiver, file: FileInfo, target: DownloadTarget, meter: ProgressMeter): Promise<void> {
    try {
      const sha256 = await receiver.finished();
      if (this.#settled) return;
      if (sha256 !== file.sha256) throw new PieChatError('ERR_CHECKSUM', 'The SHA-256 of the bytes received does not match the file\'s; nothing was kept');
      const path = await target.commit();
      if (this.#settled) return;
      meter.finish();
      this.#settle();
      this.#control.resolve(path === undefined ? file : { ...file, path });
    } catch (error) {
      // The server may hold the stream open (a destination that failed): it is told to drop it.
      this.fail(toPieChatError(error), true);
    }
  }

  #send(message: object): void {
    if (this.#connection?.open === true) this.#connection.send(message);
  }

  #settle(): void {
    this.#settled = true;
    this.onSettled?.(this);
  }
}

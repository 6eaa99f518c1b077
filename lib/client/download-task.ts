import type { Writable } from 'node:stream';
import { PieChatError, toPieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { Connection } from '../transport/connection.js';
import { ProgressMeter } from '../transfer/progress.js';
import { Receiver } from '../transfer/receiver.js';
import { openFileTarget, streamTarget, type DownloadTarget } from '../transfer/targets.js';
import type { TransferControl, Transfer } from '../transfer/transfer.js';
import type { DownloadedFile } from '../types.js';
import type { TransferHost } from './transfer-host.js';
import { parseFileResult } from './upload-task.js';

/** Options of `client.download()`. */
export interface DownloadOptions {
  /** Aborting it cancels the download, like `transfer.cancel()`. */
  signal?: AbortSignal;
}

/**
 * One download on the client: asks for the file, prepares the destination, then opens the flow
 * with a window; writes, hashes and acknowledges as bytes arrive, and resolves only once the
 * SHA-256 matches (and, for a path, the temporary file was renamed into place).
 */
export class DownloadTask {
  readonly #host: TransferHost;
  readonly #transfer: Transfer<DownloadedFile>;
  readonly #control: TransferControl<DownloadedFile>;
  #stream = 0;
  #settled = false;
  #connection: Connection | undefined;
  #target: DownloadTarget | undefined;
  #receiver: Receiver | undefined;
  /** Called when the task takes its stream id, so the client can route to it. */
  onStream: ((task: DownloadTask) => void) | undefined;
  /** Called when the task settles, so the client forgets it. */
  onSettled: ((task: DownloadTask) => void) | undefined;

  constructor(host: TransferHost, transfer: Transfer<DownloadedFile>, control: TransferControl<DownloadedFile>) {
    this.#host = host;
    this.#transfer = transfer;
    this.#control = control;
  }

  /** The stream id, once assigned. */
  get stream(): number {
    return this.#stream;
  }

  /** Runs the download to its end. */
  async run(fileId: string, destination: string | Writable): Promise<void> {
    try {
      const connection = this.#host.live();
      if (connection instanceof PieChatError) throw connection;
      this.#connection = connection;
      this.#stream = this.#host.nextStream();
      this.onStream?.(this);
      const file = await this.#host.request({ t: 'download', stream: this.#stream, transfer: this.#transfer.id, file: fileId, offset: 0 }, parseFileResult);
      if (this.#settled) return;
      const target = typeof destination === 'string' ? await openFileTarget(destination, file.name) : streamTarget(destination);
      this.#target = target;
      if (this.#settled) {
        await target.abort(new PieChatError('ERR_ABORTED', 'The download was cancelled'));
        return;
      }
      const meter = new ProgressMeter({ transferId: this.#transfer.id, fileId: file.id, name: file.name, direction: 'download', total: file.size }, (progress) => {
        this.#host.progress(this.#transfer, progress);
      });
      const window = this.#host.windowBytes;
      this.#receiver = new Receiver({
        stream: this.#stream,
        size: file.size,
        window,
        write: (chunks) => target.write(chunks),
        credit: (ack, more) => this.#send({ t: 'credit', stream: this.#stream, ack, window: more }),
        progress: (bytes) => meter.update(bytes),
      });
      this.#send({ t: 'credit', stream: this.#stream, ack: 0, window: this.#receiver.initialWindow });
      const sha256 = await this.#receiver.finished();
      if (this.#settled) return;
      if (sha256 !== file.sha256) throw new PieChatError('ERR_CHECKSUM', 'The SHA-256 of the bytes received does not match the file\'s; nothing was kept');
      const path = await target.commit();
      if (this.#settled) return;
      meter.finish();
      this.#settle();
      this.#control.resolve(path === undefined ? file : { ...file, path });
    } catch (error) {
      // The server may hold the stream open (a timeout, a destination that failed): it is told to drop it.
      this.fail(toPieChatError(error), true);
    }
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
    const cleaned = this.#target?.abort(error) ?? Promise.resolve();
    void cleaned.catch(() => undefined).then(() => this.#control.reject(error));
  }

  #send(message: object): void {
    if (this.#connection?.open === true) this.#connection.send(message);
  }

  #settle(): void {
    this.#settled = true;
    this.onSettled?.(this);
  }
}

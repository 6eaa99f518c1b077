import { basename } from 'node:path';
import { type Readable } from 'node:stream';
import { PieChatError, toPieChatError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import { ProgressMeter } from '../transfer/progress.js';
import { BytesReader, FileReader, StreamReader, type ChunkReader } from '../transfer/sources.js';
import type { TransferControl, Transfer } from '../transfer/transfer.js';
import { UploadSender } from '../transfer/upload-sender.js';
import type { FileInfo } from '../types.js';
import { parseFileResult, parseUploadStart, type UploadStart } from './results.js';
import type { TransferHost } from './transfer-host.js';
import type { SendTarget } from './arguments.js';

/** What can be uploaded: a file path, bytes in memory, or a stream of bytes. */
export type UploadSource = string | Uint8Array | Readable;

/** Where an upload goes and how it is described. */
export type SendFileOptions = SendTarget & {
  /** Display name; defaults to the path's base name, or `file`. The server sanitises it. */
  name?: string;
  /** Size in bytes: required for a `Readable` source (the server refuses oversize files up front). */
  size?: number;
  /** Aborting it cancels the upload, like `transfer.cancel()`. */
  signal?: AbortSignal;
};

/** The fields of an `upload` request that stay the same across connections. */
export interface UploadDescription {
  transfer: string;
  name: string;
  size: number;
  room?: string;
  to?: string;
}

interface OpenedSource {
  reader: ChunkReader;
  size: number;
  name: string;
}

async function openSource(source: UploadSource, options: SendFileOptions): Promise<OpenedSource> {
  if (typeof source === 'string') {
    const { reader, size } = await FileReader.open(source);
    return { reader, size, name: options.name ?? basename(source) };
  }
  if (source instanceof Uint8Array) return { reader: new BytesReader(source), size: source.byteLength, name: options.name ?? 'file' };
  return { reader: new StreamReader(source), size: options.size!, name: options.name ?? 'file' };
}

/**
 * One upload on the client: opens the source, asks the server for a stream, sends the bytes as
 * the window allows, and ends with the stored, verified {@link FileInfo}. Cancellation and
 * failures on either side settle it once, release the source and tell the server.
 *
 * A lost connection suspends it; after the reconnection it asks the server to continue the same
 * transfer (`resume`) on a new stream and sends from the offset the server answers with. If the
 * server was already storing it, the answer is the stored file.
 */
export class UploadTask {
  readonly #host: TransferHost;
  readonly #transfer: Transfer<FileInfo>;
  readonly #control: TransferControl<FileInfo>;
  #stream = 0;
  /** The upload reached the point of asking the server (so a reconnection asks again). */
  #begun = false;
  /** An `upload` request went out: later ones ask to resume. */
  #requested = false;
  #suspended = false;
  /** Every byte was sent and `end` requested: cancelling is too late. */
  #ending = false;
  #settled = false;
  #description: UploadDescription | undefined;
  #reader: ChunkReader | undefined;
  #meter: ProgressMeter | undefined;
  #fileId: string | undefined;
  #sender: UploadSender | undefined;
  #connection: Connection | undefined;
  /** Called when the task takes a stream id, so the client can route to it. */
  onStream: ((task: UploadTask) => void) | undefined;
  /** Called when the task settles, so the client forgets it. */
  onSettled: ((task: UploadTask) => void) | undefined;

  constructor(host: TransferHost, transfer: Transfer<FileInfo>, control: TransferControl<FileInfo>) {
    this.#host = host;
    this.#transfer = transfer;
    this.#control = control;
  }

  /** The stream id on the current connection, once assigned. */
  get stream(): number {
    return this.#stream;
  }

  /**
   * For an upload that failed while the connection was down, after the server may have kept it:
   * what to name to have the server drop it.
   */
  get leftOnServer(): UploadDescription | undefined {
    return this.#settled && this.#suspended && this.#requested ? this.#description : undefined;
  }

  /** Runs the upload: opens the source, then asks the server. */
  async run(source: UploadSource, options: SendFileOptions): Promise<void> {
    try {
      const opened = await openSource(source, options);
      this.#reader = opened.reader;
      if (this.#settled) return void opened.reader.close();
      const unavailable = this.#host.unavailable();
      if (unavailable !== undefined) throw unavailable;
      const maxFileBytes = this.#host.limits()!.maxFileBytes;
      if (opened.size > maxFileBytes) {
        throw new PieChatError('ERR_FILE_TOO_LARGE', `The file is ${opened.size} bytes; the server accepts at most ${maxFileBytes}`);
      }
      const target = options.room === undefined ? { to: options.to! } : { room: options.room };
      this.#description = { transfer: this.#transfer.id, name: opened.name, size: opened.size, ...target };
      this.#meter = new ProgressMeter({ transferId: this.#transfer.id, name: opened.name, direction: 'upload', total: opened.size }, (progress) => {
        this.#host.progress(this.#transfer, progress);
      });
      this.#begin();
    } catch (error) {
      this.fail(error instanceof TypeError ? error : toPieChatError(error), true);
    }
  }

  /** The connection was lost: sending stops until {@link reconnected}. */
  suspend(): void {
    this.#suspended = true;
    this.#sender?.detach();
  }

  /** A new connection is up: the upload continues on it. */
  reconnected(): void {
    this.#suspended = false;
    if (this.#begun) this.#begin();
  }

  /** The server granted more window. */
  credit(ack: number, window: number): void {
    this.#sender?.credit(ack, window);
  }

  /**
   * Cancels on the app's request: both sides end with `ERR_ABORTED`. Once every byte was sent
   * it is too late (the server is storing the file), and the upload resolves as usual.
   */
  cancel(): void {
    if (this.#ending) return;
    this.fail(new PieChatError('ERR_ABORTED', 'The upload was cancelled'), true);
  }

  /**
   * Ends the upload with `error`; with `tellServer`, the server is sent a `cancel` for the stream
   * (it drops it, or ignores a stream it already closed).
   */
  fail(error: PieChatError | TypeError, tellServer: boolean): void {
    if (this.#settled) return;
    this.#settle();
    if (tellServer && this.#stream !== 0 && this.#connection?.open === true) {
      const code = error instanceof PieChatError ? error.code : 'ERR_ABORTED';
      this.#connection.send({ t: 'cancel', stream: this.#stream, code, message: error.message });
    }
    this.#control.reject(error as PieChatError);
  }

  /** Asks the server for a stream: a new upload, or (after a reconnection) the same one again. */
  #begin(): void {
    this.#begun = true;
    const connection = this.#host.connection();
    if (this.#settled || this.#suspended || connection === undefined) return;
    this.#connection = connection;
    this.#stream = this.#host.nextStream();
    this.onStream?.(this);
    const resuming = this.#requested;
    this.#requested = true;
    const request = { t: 'upload', stream: this.#stream, ...this.#description!, ...(resuming ? { resume: this.#transfer.id } : {}) };
    this.#host.request(request, parseUploadStart).then(
      (start) => this.#started(start, connection),
      (error: unknown) => this.#refused(toPieChatError(error), resuming),
    );
  }

  #refused(error: PieChatError, resuming: boolean): void {
    // A lost connection: the upload asks again after the reconnection.
    if (this.#settled || this.#suspended) return;
    if (resuming && error.code === 'ERR_FILE_NOT_FOUND' && this.#fileId === undefined) {
      // The first request never got through: this one is new.
      this.#requested = false;
      this.#begin();
      return;
    }
    this.fail(error, true);
  }

  #started(start: UploadStart, connection: Connection): void {
    if (this.#settled) return;
    this.#fileId = start.file;
    const meter = this.#meter!;
    meter.setFileId(start.file);
    if (start.stored !== undefined) {
      this.#finished(start.stored);
      return;
    }
    const { size } = this.#description!;
    this.#sender ??= new UploadSender(this.#stream, this.#reader!, size, {
      sent: (bytes) => meter.update(bytes),
      complete: (sha256) => this.#end(sha256),
      failed: (error) => this.fail(error, true),
    });
    // Lost again before the answer was handled: the next connection asks again.
    if (this.#suspended || this.#host.connection() !== connection) return;
    try {
      this.#sender.resume(connection, this.#stream, start.offset, start.window);
    } catch (error) {
      this.fail(toPieChatError(error), true);
    }
  }

  /** Every byte is sent: from here the server stores the file, and cancelling is too late. */
  #end(sha256: string): void {
    this.#ending = true;
    this.#host.request({ t: 'end', stream: this.#stream, sha256 }, parseFileResult).then(
      (file) => this.#finished(file),
      (error: unknown) => {
        // A lost connection: after the reconnection the server tells what became of it.
        if (!this.#suspended) this.fail(toPieChatError(error), false);
      },
    );
  }

  #finished(file: FileInfo): void {
    if (this.#settled) return;
    this.#meter!.finish();
    this.#settle();
    this.#control.resolve(file);
  }

  #settle(): void {
    this.#settled = true;
    this.#sender?.stop();
    void this.#reader?.close().catch(() => undefined);
    this.onSettled?.(this);
  }
}

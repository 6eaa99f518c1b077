import { basename } from 'node:path';
import { type Readable } from 'node:stream';
import { PieChatError, toPieChatError } from '../errors.js';
import { parseFileInfo } from '../protocol/file-info.js';
import { readCount, readObject, readString, type WireObject } from '../protocol/fields.js';
import type { Connection } from '../transport/connection.js';
import { ProgressMeter } from '../transfer/progress.js';
import { BytesReader, FileReader, StreamReader, type ChunkReader } from '../transfer/sources.js';
import type { TransferControl, Transfer } from '../transfer/transfer.js';
import { UploadSender } from '../transfer/upload-sender.js';
import type { FileInfo } from '../types.js';
import type { TransferHost } from './transfer-host.js';

/** What can be uploaded: a file path, bytes in memory, or a stream of bytes. */
export type UploadSource = string | Uint8Array | Readable;

/** Where an upload goes and how it is described. */
export type SendFileOptions = ({ room: string; to?: never } | { to: string; room?: never }) & {
  /** Display name; defaults to the path's base name, or `file`. The server sanitises it. */
  name?: string;
  /** Size in bytes: required for a `Readable` source (the server refuses oversize files up front). */
  size?: number;
  /** Aborting it cancels the upload, like `transfer.cancel()`. */
  signal?: AbortSignal;
};

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

/** The `ok` to an upload request: the file id and the first window. */
function parseUploadStart(ok: WireObject): { file: string; window: number } {
  return { file: readString(ok, 'file', 32), window: readCount(ok, 'window') };
}

/** The `ok` carrying a stored file. */
export function parseFileResult(ok: WireObject): FileInfo {
  return parseFileInfo(readObject(ok, 'file'));
}

/**
 * One upload on the client: opens the source, asks the server for a stream, sends the bytes as
 * the window allows, and ends with the stored, verified {@link FileInfo}. Cancellation and
 * failures on either side settle it once, release the source and tell the server.
 */
export class UploadTask {
  readonly #host: TransferHost;
  readonly #transfer: Transfer<FileInfo>;
  readonly #control: TransferControl<FileInfo>;
  #stream = 0;
  #ending = false;
  #settled = false;
  #reader: ChunkReader | undefined;
  #sender: UploadSender | undefined;
  #connection: Connection | undefined;
  /** Called when the task takes its stream id, so the client can route to it. */
  onStream: ((task: UploadTask) => void) | undefined;
  /** Called when the task settles, so the client forgets it. */
  onSettled: ((task: UploadTask) => void) | undefined;

  constructor(host: TransferHost, transfer: Transfer<FileInfo>, control: TransferControl<FileInfo>) {
    this.#host = host;
    this.#transfer = transfer;
    this.#control = control;
  }

  /** The stream id, once assigned. */
  get stream(): number {
    return this.#stream;
  }

  /** Runs the upload to its end. */
  async run(source: UploadSource, options: SendFileOptions): Promise<void> {
    try {
      const opened = await openSource(source, options);
      this.#reader = opened.reader;
      if (this.#settled) return void opened.reader.close();
      const connection = this.#host.live();
      if (connection instanceof PieChatError) throw connection;
      const maxFileBytes = this.#host.limits()!.maxFileBytes;
      if (opened.size > maxFileBytes) {
        throw new PieChatError('ERR_FILE_TOO_LARGE', `The file is ${opened.size} bytes; the server accepts at most ${maxFileBytes}`);
      }
      this.#stream = this.#host.nextStream();
      this.onStream?.(this);
      this.#connection = connection;
      const target = options.room === undefined ? { to: options.to! } : { room: options.room };
      const meter = new ProgressMeter({ transferId: this.#transfer.id, name: opened.name, direction: 'upload', total: opened.size }, (progress) => {
        this.#host.progress(this.#transfer, progress);
      });
      const start = await this.#host.request(
        { t: 'upload', stream: this.#stream, transfer: this.#transfer.id, name: opened.name, size: opened.size, ...target },
        parseUploadStart,
      );
      if (this.#settled) return;
      meter.setFileId(start.file);
      this.#sender = new UploadSender(this.#stream, opened.reader, opened.size, {
        sent: (bytes) => meter.update(bytes),
        complete: (sha256) => {
          // Every byte is sent: from here the server stores the file, and cancelling is too late.
          this.#ending = true;
          this.#host.request({ t: 'end', stream: this.#stream, sha256 }, parseFileResult).then(
            (file) => {
              meter.finish();
              this.#settle();
              this.#control.resolve(file);
            },
            (error: unknown) => this.fail(toPieChatError(error), false),
          );
        },
        failed: (error) => this.fail(error, true),
      });
      this.#sender.start(connection, start.window);
    } catch (error) {
      // The server may hold the stream open (a timeout, a local failure): it is told to drop it.
      this.fail(error instanceof TypeError ? error : toPieChatError(error), true);
    }
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

  #settle(): void {
    this.#settled = true;
    this.#sender?.stop();
    void this.#reader?.close().catch(() => undefined);
    this.onSettled?.(this);
  }
}

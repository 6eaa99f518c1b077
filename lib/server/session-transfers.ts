import { randomBytes } from 'node:crypto';
import { PieChatError, toPieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import { isFileId } from '../protocol/file-info.js';
import type { CancelMessage, CreditMessage, DownloadRequest, EndRequest, FilesRequest, TransferRequest, UploadRequest } from '../protocol/messages.js';
import type { FileSink } from '../stores/file-store.js';
import { DownloadSender } from '../transfer/download-sender.js';
import { ProgressMeter } from '../transfer/progress.js';
import { Receiver } from '../transfer/receiver.js';
import type { Connection } from '../transport/connection.js';
import type { FileInfo } from '../types.js';
import { sanitizeFileName } from '../util/file-name.js';
import { assertRoomName, nameKey, quote } from '../util/names.js';
import type { SessionContext } from './context.js';
import type { Member } from './member.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { UploadState } from './partial-uploads.js';

/** An upload this session is receiving. */
interface Upload extends UploadState {
  kind: 'upload';
  stream: number;
  /** Its `end` arrived: it is being verified and stored. */
  ending: boolean;
}

/** A download this session is sending. */
interface Download {
  kind: 'download';
  stream: number;
  transferId: string;
  file: FileInfo;
  sender: DownloadSender;
  meter: ProgressMeter;
}

/**
 * The file transfers of one binary session: answers `upload`, `end`, `download` and `files`,
 * routes data frames and flow control, enforces the per-connection limits, and leaves nothing
 * partial behind when a transfer is cancelled or the connection ends.
 *
 * Stream ids are chosen by the client and must increase: data for a past stream (a transfer that
 * just ended or was cancelled while frames were in flight) is ignored; data for a stream never
 * opened is a protocol error.
 */
export class SessionTransfers {
  readonly #context: SessionContext;
  readonly #member: Member;
  readonly #connection: Connection;
  readonly #streams = new Map<number, Upload | Download>();
  /** Streams whose request is being answered (waiting on storage); they hold a transfer slot. */
  readonly #opening = new Set<number>();
  /** Streams the client cancelled while they were being opened. */
  readonly #cancelledWhileOpening = new Map<number, PieChatError>();
  /** Cleanups still running (partial files being deleted). */
  readonly #cleanups = new Set<Promise<void>>();
  #highestStream = 0;
  #closed = false;
  /** The upload rate limit of this connection, shared by its uploads. */
  readonly #allowance: TokenBucket | undefined;

  constructor(context: SessionContext, member: Member, connection: Connection) {
    this.#context = context;
    this.#member = member;
    this.#connection = connection;
    const rate = context.options.maxUploadBytesPerSecond;
    this.#allowance = rate > 0 ? new TokenBucket(rate, rate) : undefined;
  }

  /** Answers a file request; the result goes into the `ok` reply. */
  handle(request: TransferRequest): Promise<object> {
    switch (request.t) {
      case 'upload':
        return this.#upload(request);
      case 'end':
        return this.#end(request);
      case 'download':
        return this.#download(request);
      case 'files':
        return this.#files(request);
    }
  }

  /** Handles a `credit` or `cancel` from the client. */
  notice(message: CreditMessage | CancelMessage): void {
    if (message.t === 'cancel' && this.#opening.has(message.stream)) {
      this.#cancelledWhileOpening.set(message.stream, this.#cancelError(message));
      return;
    }
    const transfer = this.#find(message.stream);
    if (transfer === undefined) return;
    if (message.t === 'cancel') {
      // Too late once its end was accepted: the file is being stored and will be announced.
      if (transfer.kind === 'upload' && transfer.ending) return;
      void this.#abort(transfer, this.#cancelError(message), false);
    } else if (transfer.kind === 'download') {
      transfer.sender.credit(message.ack, message.window);
    } else {
      throw new PieChatError('ERR_PROTOCOL', `Stream ${message.stream} is an upload: the server grants its credit`);
    }
  }

  /** Routes a data frame to its upload. */
  data(frame: DataFrame): void {
    const transfer = this.#find(frame.stream);
    if (transfer === undefined) return;
    if (transfer.kind !== 'upload') throw new PieChatError('ERR_PROTOCOL', `Stream ${frame.stream} is a download: the client sends no data on it`);
    transfer.receiver.receive(frame.offset, frame.chunks, frame.length);
  }

  /**
   * The connection ended: downloads stop; uploads whose every byte arrived are stored and
   * announced all the same; other uploads are, if the session may be `resumable`, kept (every
   * byte received written) for their client to continue after reconnecting (within
   * `partialUploadTtlMs`), or else deleted. Resolves when that is done.
   */
  close(error: PieChatError, resumable: boolean): Promise<void> {
    this.#closed = true;
    for (const transfer of [...this.#streams.values()]) {
      if (transfer.kind === 'download' || (!resumable && !transfer.ending)) void this.#abort(transfer, error, false);
      else if (!transfer.ending) this.#track(this.#park(transfer));
    }
    return Promise.all(this.#cleanups).then(() => undefined);
  }

  /**
   * Keeps an interrupted upload for resuming. It is claimable at once; the client that claims it
   * waits until everything received before the interruption is written.
   */
  #park(upload: Upload): Promise<void> {
    this.#streams.delete(upload.stream);
    const ready = upload.receiver.pause().then(() => {
      if (upload.receiver.failure !== undefined) throw upload.receiver.failure;
    });
    const { kind: _kind, stream: _stream, ending: _ending, ...state } = upload;
    this.#context.partials.park({ ...state, owner: this.#member.name, ready });
    return ready.catch(() => undefined);
  }

  async #upload(request: UploadRequest): Promise<object> {
    const { options, catalog, store } = this.#context;
    this.#claim(request.stream);
    try {
      if (request.resume !== undefined) return await this.#resumeUpload(request);
      if (request.size > options.maxFileBytes) {
        throw new PieChatError('ERR_FILE_TOO_LARGE', `The file is ${request.size} bytes; this server accepts at most ${options.maxFileBytes}`);
      }
      const target = this.#checkTarget(request.room === undefined ? { to: request.to! } : { room: request.room });
      const name = sanitizeFileName(request.name);
      this.#context.authorizer.check(
        this.#member,
        { type: 'upload', ...target, name, size: request.size, allowed: true },
        `Not allowed to upload to ${quote('room' in target ? target.room : target.to)}`,
      );
      await catalog.load();
      const release = catalog.reserve(this.#member.name, request.size);
      if (release === undefined) {
        throw new PieChatError('ERR_QUOTA_EXCEEDED', `Storing ${request.size} more bytes would exceed your quota of ${options.quotaBytes} bytes`);
      }
      const fileId = randomBytes(16).toString('hex');
      let sink: FileSink;
      try {
        sink = await store.create(fileId);
      } catch (error) {
        release();
        throw toPieChatError(error, 'ERR_STORAGE');
      }
      if (this.#closed) {
        release();
        await sink.abort();
        throw new PieChatError('ERR_CLOSED', 'The connection closed');
      }
      const meter = this.#meter(request.transfer, fileId, name, 'upload', request.size);
      const upload: Upload = {
        kind: 'upload',
        stream: request.stream,
        transferId: request.transfer,
        fileId,
        name,
        size: request.size,
        target: 'room' in target ? { room: target.room } : { to: target.to },
        sink,
        meter,
        release,
        ending: false,
        receiver: new Receiver({
          stream: request.stream,
          size: request.size,
          window: options.transferWindowBytes,
          write: (chunks) => sink.write(chunks),
          credit: (ack, window) => this.#connection.send({ t: 'credit', stream: request.stream, ack, window }),
          progress: (bytes) => meter.update(bytes),
          ...(this.#allowance === undefined ? {} : { allowance: this.#allowance }),
        }),
      };
      this.#watch(upload);
      this.#register(upload);
      return { file: fileId, window: upload.receiver.initialWindow, offset: 0 };
    } finally {
      this.#opening.delete(request.stream);
      this.#cancelledWhileOpening.delete(request.stream);
    }
  }

  /**
   * Continues an upload kept since its connection was lost, from the last byte written; for one
   * that was being stored, answers with the stored file (`stored`) or the error it ended with.
   */
  async #resumeUpload(request: UploadRequest): Promise<object> {
    const { partials } = this.#context;
    const parked = partials.claim(request.resume!, this.#member.name);
    if (parked === undefined) {
      const outcome = await partials.outcome(request.resume!, this.#member.name);
      if (outcome === undefined) throw new PieChatError('ERR_FILE_NOT_FOUND', `No interrupted upload ${quote(request.resume)} to continue (it expired, or was never yours)`);
      if ('error' in outcome) throw outcome.error;
      return { file: outcome.file.id, window: 0, offset: outcome.file.size, stored: outcome.file };
    }
    if (parked.size !== request.size) {
      partials.park(parked);
      throw new PieChatError('ERR_PROTOCOL', `The upload ${quote(request.resume)} has ${parked.size} bytes, not ${request.size}`);
    }
    try {
      await parked.ready;
    } catch (error) {
      parked.release();
      await parked.sink.abort().catch(() => undefined);
      throw toPieChatError(error, 'ERR_STORAGE');
    }
    if (this.#closed) {
      this.#context.partials.park(parked);
      throw new PieChatError('ERR_CLOSED', 'The connection closed');
    }
    const { stream } = request;
    const upload: Upload = { kind: 'upload', stream, ...parked, ending: false };
    const window = parked.receiver.resume((ack, more) => this.#connection.send({ t: 'credit', stream, ack, window: more }));
    this.#watch(upload);
    this.#register(upload);
    return { file: upload.fileId, window, offset: parked.receiver.written };
  }

  /** A storage failure in the middle of an upload: the client is told, nothing is kept. */
  #watch(upload: Upload): void {
    upload.receiver.finished().catch((error: unknown) => {
      if (this.#streams.get(upload.stream) === upload && !upload.ending) void this.#abort(upload, toPieChatError(error, 'ERR_STORAGE'));
    });
  }

  #end(request: EndRequest): Promise<object> {
    const upload = this.#find(request.stream);
    if (upload === undefined) return Promise.reject(new PieChatError('ERR_ABORTED', `Transfer on stream ${request.stream} is no longer open`));
    if (upload.kind !== 'upload' || upload.ending) return Promise.reject(new PieChatError('ERR_PROTOCOL', `Stream ${request.stream} cannot be ended`));
    upload.ending = true;
    // Storing goes on even if the connection closes; the server's close() waits for it.
    const storing = this.#store(upload, request.sha256);
    this.#track(storing.then(() => undefined, () => undefined));
    // The answer may be lost with the connection: a client that reconnects asks again.
    const outcome = storing.then(({ file }) => ({ file }), (error: unknown) => ({ error: toPieChatError(error, 'ERR_STORAGE') }));
    this.#context.partials.keepOutcome(this.#member.name, upload.transferId, outcome);
    return storing;
  }

  /** Verifies a complete upload, commits it, and announces it. */
  async #store(upload: Upload, declaredSha256: string): Promise<{ file: FileInfo }> {
    if (upload.receiver.received !== upload.size) {
      const error = new PieChatError('ERR_CHECKSUM', `Received ${upload.receiver.received} bytes; ${upload.size} were declared`);
      await this.#abort(upload, error, false);
      throw error;
    }
    let sha256: string;
    try {
      sha256 = await upload.receiver.finished();
    } catch (error) {
      const failure = toPieChatError(error, 'ERR_STORAGE');
      await this.#abort(upload, failure, false);
      throw failure;
    }
    if (sha256 !== declaredSha256) {
      const error = new PieChatError('ERR_CHECKSUM', 'The SHA-256 of the bytes received does not match the one declared; nothing was stored');
      await this.#abort(upload, error, false);
      throw error;
    }
    const file: FileInfo = { id: upload.fileId, name: upload.name, size: upload.size, sha256, from: this.#member.name, ...upload.target, at: Date.now() };
    try {
      await upload.sink.commit(file);
    } catch (error) {
      const failure = toPieChatError(error, 'ERR_STORAGE');
      await this.#abort(upload, failure, false);
      throw failure;
    }
    this.#context.catalog.add(file);
    this.#finish(upload);
    upload.meter.finish();
    this.#context.hub.announceFile(file, this.#member);
    this.#context.transferEnded({ ...this.#summary(upload), bytes: upload.size });
    return { file };
  }

  async #download(request: DownloadRequest): Promise<object> {
    const { catalog, store } = this.#context;
    this.#claim(request.stream);
    try {
      await catalog.load();
      const file = isFileId(request.file) ? catalog.get(request.file) : undefined;
      if (file === undefined) throw new PieChatError('ERR_FILE_NOT_FOUND', `No file with id ${quote(request.file)}`);
      this.#context.authorizer.check(
        this.#member,
        { type: 'download', file, allowed: catalog.canDownload(this.#member, file) },
        file.room === undefined ? 'This private file is not yours' : `Only members of ${quote(file.room)} may download its files`,
      );
      if (request.offset > file.size) throw new PieChatError('ERR_PROTOCOL', `Offset ${request.offset} is beyond the file's ${file.size} bytes`);
      const source = await store.open(file.id, request.offset).catch((error: unknown) => {
        throw toPieChatError(error, 'ERR_STORAGE');
      });
      if (this.#closed) {
        source.destroy();
        throw new PieChatError('ERR_CLOSED', 'The connection closed');
      }
      const meter = this.#meter(request.transfer, file.id, file.name, 'download', file.size);
      const download: Download = {
        kind: 'download',
        stream: request.stream,
        transferId: request.transfer,
        file,
        meter,
        // No window yet: data flows once the client, ready to write, grants one with `credit`.
        sender: new DownloadSender(request.stream, source, request.offset, file.size, 0, {
          sent: (bytes) => meter.update(bytes),
          complete: () => {
            this.#finish(download);
            meter.finish();
            this.#context.transferEnded({ ...this.#summary(download), bytes: file.size });
          },
          failed: (error) => void this.#abort(download, error),
        }),
      };
      this.#register(download);
      // Unless the client cancelled it while it was being opened.
      if (this.#streams.get(request.stream) === download) download.sender.start(this.#connection);
      return { file };
    } finally {
      this.#opening.delete(request.stream);
      this.#cancelledWhileOpening.delete(request.stream);
    }
  }

  async #files(request: FilesRequest): Promise<object> {
    if (request.room !== undefined) {
      assertRoomName(request.room);
      if (!this.#member.rooms.has(request.room)) throw new PieChatError('ERR_NOT_IN_ROOM', `Not in room ${quote(request.room)}`);
    }
    const { catalog, authorizer } = this.#context;
    await catalog.load();
    const visible = catalog.visibleTo(this.#member, request.room);
    // With an `authorize` hook, a list shows only what its user may download.
    const files = authorizer.active ? visible.filter((file) => authorizer.allows(this.#member, { type: 'download', file, allowed: true })) : visible;
    return { files };
  }

  /** Takes a new stream id (they must increase) and a transfer slot, held until registered or released. */
  #claim(stream: number): void {
    if (stream <= this.#highestStream) throw new PieChatError('ERR_PROTOCOL', `Stream ${stream} was already used; stream ids must increase`);
    this.#highestStream = stream;
    const { maxTransfers } = this.#context.options;
    if (this.#streams.size + this.#opening.size >= maxTransfers) {
      throw new PieChatError('ERR_TOO_MANY_TRANSFERS', `At most ${maxTransfers} transfers may run at once`);
    }
    this.#opening.add(stream);
  }

  /** A transfer is open; if the client already cancelled it, it ends at once. */
  #register(transfer: Upload | Download): void {
    this.#opening.delete(transfer.stream);
    this.#streams.set(transfer.stream, transfer);
    const cancelled = this.#cancelledWhileOpening.get(transfer.stream);
    if (cancelled !== undefined) {
      this.#cancelledWhileOpening.delete(transfer.stream);
      void this.#abort(transfer, cancelled, false);
    }
  }

  /** The error a client's `cancel` ends a transfer with (its code; its text, cut). */
  #cancelError(message: CancelMessage): PieChatError {
    return new PieChatError(message.code, `${this.#member.name} cancelled the transfer: ${message.message.slice(0, 200)}`);
  }

  /** Keeps `work` among the cleanups `close()` waits for, until it settles. */
  #track(work: Promise<void>): void {
    this.#cleanups.add(work);
    void work.finally(() => this.#cleanups.delete(work));
  }

  /** The open transfer on `stream`; undefined for a past one; a protocol error for one never opened. */
  #find(stream: number): Upload | Download | undefined {
    const transfer = this.#streams.get(stream);
    if (transfer === undefined && (stream > this.#highestStream || stream === 0 || this.#opening.has(stream))) throw new PieChatError('ERR_PROTOCOL', `Stream ${stream} was never opened`);
    return transfer;
  }

  #checkTarget(target: { room: string } | { to: string }): { room: string } | { to: string } {
    if ('room' in target) {
      if (!this.#member.rooms.has(target.room)) throw new PieChatError('ERR_NOT_IN_ROOM', `Not in room ${quote(target.room)}`);
      return target;
    }
    const recipient = this.#context.hub.find(target.to) ?? this.#context.hub.remote.get(target.to);
    if (recipient === undefined) throw new PieChatError('ERR_UNKNOWN_USER', `No user named ${quote(target.to)} is online`);
    if (nameKey(recipient.name) === nameKey(this.#member.name)) throw new PieChatError('ERR_INVALID_MESSAGE', 'A private file needs another user');
    return { to: recipient.name };
  }

  #meter(transferId: string, fileId: string, name: string, direction: 'upload' | 'download', total: number): ProgressMeter {
    const user = this.#member.name;
    return new ProgressMeter({ transferId, fileId, name, direction, total }, (progress) => this.#context.transferProgress({ ...progress, user }));
  }

  #summary(transfer: Upload | Download): { user: string; transferId: string; fileId: string; name: string; direction: 'upload' | 'download'; total: number } {
    const upload = transfer.kind === 'upload';
    return {
      user: this.#member.name,
      transferId: transfer.transferId,
      fileId: upload ? transfer.fileId : transfer.file.id,
      name: upload ? transfer.name : transfer.file.name,
      direction: transfer.kind,
      total: upload ? transfer.size : transfer.file.size,
    };
  }

  /** Forgets a transfer that ended. */
  #finish(transfer: Upload | Download): void {
    if (this.#streams.get(transfer.stream) !== transfer) return;
    this.#streams.delete(transfer.stream);
    if (transfer.kind === 'upload') transfer.release();
  }

  /**
   * Ends a transfer with `error`: stops it, deletes a partial upload, and with `tellClient` sends
   * the client a `cancel` (not when the client asked, or hears of it in a reply).
   */
  #abort(transfer: Upload | Download, error: PieChatError, tellClient = true): Promise<void> {
    if (this.#streams.get(transfer.stream) !== transfer) return Promise.resolve();
    this.#finish(transfer);
    const bytes = transfer.kind === 'upload' ? transfer.receiver.received : transfer.sender.offset;
    if (tellClient && !this.#closed) this.#connection.send({ t: 'cancel', stream: transfer.stream, code: error.code, message: error.message });
    const ended = (): void => this.#context.transferEnded({ ...this.#summary(transfer), bytes, error });
    if (transfer.kind === 'upload') {
      transfer.receiver.fail(error);
      // `transfer-end` (and the answer to an `end`) come once the partial file is gone.
      const cleanup = transfer.sink.abort().catch(() => undefined).then(ended);
      this.#track(cleanup);
      return cleanup;
    }
    transfer.sender.stop();
    ended();
    return Promise.resolve();
  }
}

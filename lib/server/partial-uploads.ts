import type { FileSink } from '../stores/file-store.js';
import type { ProgressMeter } from '../transfer/progress.js';
import type { Receiver } from '../transfer/receiver.js';
import { nameKey } from '../util/names.js';

/** An upload interrupted by a lost connection, kept for its client to continue. */
export interface PartialUpload {
  fileId: string;
  /** The uploader's name. */
  owner: string;
  transferId: string;
  name: string;
  size: number;
  target: { room: string } | { to: string };
  sink: FileSink;
  receiver: Receiver;
  /** Its progress reports (so that they keep rising across connections). */
  meter: ProgressMeter;
  /** Gives the quota reservation back. */
  release: () => void;
  /** Settles once every byte received before the interruption is written (rejects if storage failed). */
  ready: Promise<void>;
}

/**
 * Interrupted uploads, by file id, each kept `ttlMs`: a client that reconnects in time continues
 * its upload from the last byte written; otherwise the partial file is deleted and `expired`
 * reports it.
 */
export class PartialUploads {
  readonly #entries = new Map<string, { upload: PartialUpload; timer: NodeJS.Timeout }>();
  readonly #ttlMs: number;
  readonly #expired: (upload: PartialUpload) => void;

  constructor(ttlMs: number, expired: (upload: PartialUpload) => void) {
    this.#ttlMs = ttlMs;
    this.#expired = expired;
  }

  /** Uploads kept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Keeps `upload` until it is claimed or its time is up. It may be claimed at once: the claimer
   * waits for `ready`. If `ready` rejects (storage failed), the upload is dropped.
   */
  park(upload: PartialUpload): void {
    const timer = setTimeout(() => this.#expire(upload.fileId), this.#ttlMs);
    timer.unref();
    this.#entries.set(upload.fileId, { upload, timer });
    upload.ready.catch(() => this.#expire(upload.fileId));
  }

  /** Takes back the upload `fileId` of `owner`, if kept (a file id of someone else's is not found). */
  claim(fileId: string, owner: string): PartialUpload | undefined {
    const entry = this.#entries.get(fileId);
    if (entry === undefined || nameKey(entry.upload.owner) !== nameKey(owner)) return undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(fileId);
    return entry.upload;
  }

  /** Drops every upload now (the server is closing); resolves once their partial files are gone. */
  async discardAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(
      entries.map(async ({ upload, timer }) => {
        clearTimeout(timer);
        await this.#discard(upload);
      }),
    );
  }

  #expire(fileId: string): void {
    const entry = this.#entries.get(fileId);
    if (entry === undefined) return;
    this.#entries.delete(fileId);
    void this.#discard(entry.upload);
  }

  async #discard(upload: PartialUpload): Promise<void> {
    upload.release();
    await upload.sink.abort().catch(() => undefined);
    this.#expired(upload);
  }
}

import { PieChatError } from '../errors.js';
import type { FileSink } from '../stores/file-store.js';
import type { ProgressMeter } from '../transfer/progress.js';
import type { Receiver } from '../transfer/receiver.js';
import type { FileInfo } from '../types.js';
import { nameKey } from '../util/names.js';

/** What the server holds of an upload it is receiving, on a connection or kept between two. */
export interface UploadState {
  /** The id the file will be stored under. */
  fileId: string;
  /** The client's id for the transfer: what it names to continue it. */
  transferId: string;
  /** The sanitised display name. */
  name: string;
  /** Bytes declared. */
  size: number;
  target: { room: string } | { to: string };
  sink: FileSink;
  receiver: Receiver;
  /** Its progress reports (so that they keep rising across connections). */
  meter: ProgressMeter;
  /** Gives the quota reservation back. */
  release: () => void;
}

/** An upload interrupted by a lost connection, kept for its client to continue. */
export interface PartialUpload extends UploadState {
  /** The uploader's name. */
  owner: string;
  /** Settles once every byte received before the interruption is written (rejects if storage failed). */
  ready: Promise<void>;
}

/** What became of an upload whose every byte and `end` arrived. */
export type UploadOutcome = { file: FileInfo } | { error: PieChatError };

/** Most outcomes kept (the oldest are forgotten first). */
const MAX_OUTCOMES = 10_000;

/**
 * Interrupted uploads, by uploader and transfer id, each kept `ttlMs`: a client that reconnects in
 * time continues its upload from the last byte written; otherwise the partial file is deleted and
 * `expired` reports it. Uploads that reached their `end` leave their outcome here for as long
 * (up to 10,000 of them), so that a client whose connection was lost before the answer arrived
 * learns it when it asks to continue.
 */
export class PartialUploads {
  readonly #entries = new Map<string, { upload: PartialUpload; timer: NodeJS.Timeout }>();
  readonly #outcomes = new Map<string, { outcome: Promise<UploadOutcome>; timer: NodeJS.Timeout }>();
  readonly #ttlMs: number;
  readonly #expired: (upload: PartialUpload, error: PieChatError) => void;

  /** `expired` hears of each upload deleted unclaimed: its time was up, or the server closed. */
  constructor(ttlMs: number, expired: (upload: PartialUpload, error: PieChatError) => void) {
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
    const key = keyOf(upload.owner, upload.transferId);
    const timer = setTimeout(() => this.#expire(key), this.#ttlMs);
    timer.unref();
    this.#entries.set(key, { upload, timer });
    upload.ready.catch(() => this.#expire(key));
  }

  /** Takes back the upload `transferId` of `owner`, if kept (someone else's is not found). */
  claim(transferId: string, owner: string): PartialUpload | undefined {
    const key = keyOf(owner, transferId);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(key);
    return entry.upload;
  }

  /** Keeps the outcome of an upload whose `end` arrived (it may still be being stored). */
  keepOutcome(owner: string, transferId: string, outcome: Promise<UploadOutcome>): void {
    const key = keyOf(owner, transferId);
    const timer = setTimeout(() => this.#outcomes.delete(key), this.#ttlMs);
    timer.unref();
    this.#outcomes.set(key, { outcome, timer });
    if (this.#outcomes.size > MAX_OUTCOMES) {
      const [oldest, entry] = this.#outcomes.entries().next().value!;
      clearTimeout(entry.timer);
      this.#outcomes.delete(oldest);
    }
  }

  /** The outcome kept for `owner`'s upload `transferId` (it may still be pending). */
  outcome(transferId: string, owner: string): Promise<UploadOutcome> | undefined {
    return this.#outcomes.get(keyOf(owner, transferId))?.outcome;
  }

  /** Drops every upload now (the server is closing); resolves once their partial files are gone. */
  async discardAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const { timer } of this.#outcomes.values()) clearTimeout(timer);
    this.#outcomes.clear();
    await Promise.all(
      entries.map(async ({ upload, timer }) => {
        clearTimeout(timer);
        await this.#discard(upload, new PieChatError('ERR_CLOSED', 'The server closed before the interrupted upload was resumed; it was deleted'));
      }),
    );
  }

  #expire(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    void this.#discard(entry.upload, new PieChatError('ERR_TIMEOUT', 'The interrupted upload was not resumed in time; it was deleted'));
  }

  async #discard(upload: PartialUpload, error: PieChatError): Promise<void> {
    upload.release();
    await upload.sink.abort().catch(() => undefined);
    this.#expired(upload, error);
  }
}

/** Uploads are kept per uploader: a transfer id chosen by someone else never collides. */
function keyOf(owner: string, transferId: string): string {
  return `${nameKey(owner)}\n${transferId}`;
}

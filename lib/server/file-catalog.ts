import { toPieChatError } from '../errors.js';
import type { FileStore } from '../stores/file-store.js';
import type { FileInfo } from '../types.js';
import { nameKey } from '../util/names.js';
import type { Member } from './member.js';

/**
 * The server's view of its stored files: metadata loaded once from the store, who may see and
 * download what, and each user's quota (stored files plus uploads in progress).
 *
 * Default rules: a room's files are visible to the room's current members; a private file to its
 * sender and its recipient.
 */
export class FileCatalog {
  readonly #quotaBytes: number;
  readonly #files = new Map<string, FileInfo>();
  /** Bytes stored per uploader (name key). */
  readonly #stored = new Map<string, number>();
  /** Bytes reserved by uploads in progress, per uploader (name key). */
  readonly #reserved = new Map<string, number>();
  #loaded: Promise<void> | undefined;

  readonly #list: () => Promise<FileInfo[]>;

  /** `list` gives the metadata of the stored files (default: the store's own list). */
  constructor(store: FileStore, quotaBytes: number, list: () => Promise<FileInfo[]> = () => store.list()) {
    this.#quotaBytes = quotaBytes;
    this.#list = list;
  }

  /** Loads the catalogue, once; every other method needs it loaded. */
  load(): Promise<void> {
    this.#loaded ??= this.#list().then(
      (files) => {
        for (const file of files) this.add(file);
      },
      (error: unknown) => {
        this.#loaded = undefined;
        throw toPieChatError(error, 'ERR_STORAGE');
      },
    );
    return this.#loaded;
  }

  /** The file with this id, if stored. */
  get(id: string): FileInfo | undefined {
    return this.#files.get(id);
  }

  /** Records a newly stored file. */
  add(file: FileInfo): void {
    if (this.#files.has(file.id)) return;
    this.#files.set(file.id, file);
    const key = nameKey(file.from);
    this.#stored.set(key, (this.#stored.get(key) ?? 0) + file.size);
  }

  /** Whether `member` may download `file` (and see it in lists). */
  canDownload(member: Member, file: FileInfo): boolean {
    if (file.room !== undefined) return member.rooms.has(file.room);
    const me = nameKey(member.name);
    return nameKey(file.from) === me || (file.to !== undefined && nameKey(file.to) === me);
  }

  /** The files `member` may download: of one room, or all of them. Oldest first. */
  visibleTo(member: Member, room?: string): FileInfo[] {
    const files: FileInfo[] = [];
    for (const file of this.#files.values()) {
      if (room !== undefined && file.room !== room) continue;
      if (this.canDownload(member, file)) files.push(file);
    }
    return files;
  }

  /**
   * Reserves `bytes` of `user`'s quota for an upload; returns how to give them back, or
   * `undefined` when the quota would be exceeded.
   */
  reserve(user: string, bytes: number): (() => void) | undefined {
    const key = nameKey(user);
    const reserved = this.#reserved.get(key) ?? 0;
    if ((this.#stored.get(key) ?? 0) + reserved + bytes > this.#quotaBytes) return undefined;
    this.#reserved.set(key, reserved + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#reserved.get(key) ?? bytes) - bytes;
      if (left > 0) this.#reserved.set(key, left);
      else this.#reserved.delete(key);
    };
  }

  /** Bytes `user` has stored and reserved. */
  usage(user: string): number {
    const key = nameKey(user);
    return (this.#stored.get(key) ?? 0) + (this.#reserved.get(key) ?? 0);
  }
}

import type { Readable } from 'node:stream';
import type { FileInfo } from '../types.js';

/**
 * Where a server keeps files. PieChat hashes and checks every upload itself; a store only keeps
 * bytes and metadata, and must make a file visible atomically in {@link FileSink.commit}.
 * {@link DiskFileStore} is the default; implement this interface for another backend.
 */
export interface FileStore {
  /**
   * Prepares to receive the file `id` (a fresh 32-hex-character id). Nothing is visible until
   * the sink is committed.
   */
  create(id: string): Promise<FileSink>;
  /** Reads the bytes of a committed file from `offset`. Rejects with `ERR_FILE_NOT_FOUND`. */
  open(id: string, offset: number): Promise<Readable>;
  /** Every committed file. Called once when the server first needs its catalogue. */
  list(): Promise<FileInfo[]>;
  /** Removes a committed file; false if there was none. */
  delete(id: string): Promise<boolean>;
}

/** The bytes of one upload on their way into a {@link FileStore}. */
export interface FileSink {
  /** Appends `chunks`, in order. Calls do not overlap: the next comes after this one resolved. */
  write(chunks: readonly Buffer[]): Promise<void>;
  /** All bytes were written and verified: make the file visible under `info`, atomically. */
  commit(info: FileInfo): Promise<void>;
  /** Discards everything written; nothing of the file remains. Safe to call more than once. */
  abort(): Promise<void>;
}

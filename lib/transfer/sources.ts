import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PieChatError } from '../errors.js';

/** Reads an upload's bytes in order, in chunks of any size. */
export interface ChunkReader {
  /** The next chunk, or `null` at the end. */
  read(): Promise<Buffer | null>;
  /** Releases the source (closes the file, destroys the stream). Safe to call more than once. */
  close(): Promise<void>;
}

/** Bytes read from a file at a time. */
const FILE_READ_BYTES = 1024 * 1024;

/** Reads a file by positioned reads, from `offset`. */
export class FileReader implements ChunkReader {
  readonly #handle: FileHandle;
  #position: number;
  #closed = false;

  private constructor(handle: FileHandle, offset: number) {
    this.#handle = handle;
    this.#position = offset;
  }

  /** Opens `path`; resolves with the reader and the file's size. */
  static async open(path: string, offset = 0): Promise<{ reader: FileReader; size: number }> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new PieChatError('ERR_FILE_NOT_FOUND', `Cannot read ${JSON.stringify(path)} (${code})`, { cause: error });
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new PieChatError('ERR_FILE_NOT_FOUND', `${JSON.stringify(path)} is not a file`);
    }
    return { reader: new FileReader(handle, offset), size: info.size };
  }

  async read(): Promise<Buffer | null> {
    if (this.#closed) return null;
    const buffer = Buffer.allocUnsafe(FILE_READ_BYTES);
    const { bytesRead } = await this.#handle.read(buffer, 0, FILE_READ_BYTES, this.#position);
    if (bytesRead === 0) return null;
    this.#position += bytesRead;
    return bytesRead === FILE_READ_BYTES ? buffer : buffer.subarray(0, bytesRead);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close();
  }
}

/** Reads bytes already in memory, from `offset`, without copying. */
export class BytesReader implements ChunkReader {
  readonly #bytes: Buffer;
  #position: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.#bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#position = offset;
  }

  async read(): Promise<Buffer | null> {
    if (this.#position >= this.#bytes.length) return null;
    const chunk = this.#bytes.subarray(this.#position, this.#position + FILE_READ_BYTES);
    this.#position += chunk.length;
    return chunk;
  }

  async close(): Promise<void> {}
}

/** Reads a byte stream (`Readable` of Buffers or Uint8Arrays). */
export class StreamReader implements ChunkReader {
  readonly #stream: Readable;
  readonly #iterator: AsyncIterator<unknown>;

  constructor(stream: Readable) {
    this.#stream = stream;
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  async read(): Promise<Buffer | null> {
    const { value, done } = await this.#iterator.next();
    if (done === true) return null;
    if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw new TypeError('Expected the `source` stream to yield Buffers or Uint8Arrays');
  }

  async close(): Promise<void> {
    this.#stream.destroy();
  }
}

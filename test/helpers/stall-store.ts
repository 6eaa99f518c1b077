import { PassThrough, type Readable } from 'node:stream';
import { DiskFileStore, type FileInfo, type FileSink, type FileStore } from '../../lib/index.js';

/**
 * A {@link DiskFileStore} that can hold transfers mid-way, so a test can act while one is surely
 * running (cancel it, interrupt the process) without racing a fast loopback transfer:
 * - with `stallUploads`, an upload's first write is kept and every later one waits until the
 *   upload is aborted (so the upload never completes);
 * - with `stallDownloads`, a download gets its first chunk and then nothing, until it is stopped.
 */
export class StallingStore implements FileStore {
  stallUploads = false;
  stallDownloads = false;
  readonly #disk: DiskFileStore;

  constructor(directory: string) {
    this.#disk = new DiskFileStore(directory, { fsync: false });
  }

  async create(id: string): Promise<FileSink> {
    const sink = await this.#disk.create(id);
    if (!this.stallUploads) return sink;
    let writes = 0;
    let aborted = false;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    return {
      async write(chunks) {
        if (writes++ > 0) await held;
        if (!aborted) await sink.write(chunks);
      },
      commit: (info) => sink.commit(info),
      async abort() {
        aborted = true;
        release();
        await sink.abort();
      },
    };
  }

  async open(id: string, offset: number): Promise<Readable> {
    const source = await this.#disk.open(id, offset);
    if (!this.stallDownloads) return source;
    const held = new PassThrough();
    source.once('data', (chunk: Buffer) => {
      held.write(chunk);
      source.destroy();
    });
    held.once('close', () => source.destroy());
    return held;
  }

  list(): Promise<FileInfo[]> {
    return this.#disk.list();
  }

  delete(id: string): Promise<boolean> {
    return this.#disk.delete(id);
  }
}

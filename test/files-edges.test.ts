import test from 'ava';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer as createHttpServer } from 'node:http';
import { Readable } from 'node:stream';
import { DiskFileStore, PieChatError, type FileInfo, type FileSink, type FileStore } from '../lib/index.js';
import { collect, nextEvent, startServer, closeAll, withServer } from './helpers/chat.js';
import { filesBelow, randomFile, temporaryDirectory } from './helpers/files.js';

const codeOf = (error: unknown): string | undefined => (error instanceof PieChatError ? error.code : undefined);

/** A disk store whose commits wait until `release()` is called. */
function slowCommitStore(directory: string): { store: FileStore; committing: Promise<void>; release: () => void } {
  const disk = new DiskFileStore(directory, { fsync: false });
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const committing = new Promise<void>((resolve) => (started = resolve));
  const store: FileStore = {
    async create(id) {
      const sink = await disk.create(id);
      const slow: FileSink = {
        write: (chunks) => sink.write(chunks),
        async commit(info) {
          started();
          await gate;
          await sink.commit(info);
        },
        abort: () => sink.abort(),
      };
      return slow;
    },
    open: (id, offset) => disk.open(id, offset),
    list: () => disk.list(),
    delete: (id) => disk.delete(id),
  };
  return { store, committing, release };
}

test('transfer slots are returned whatever happens: empty files, failed destinations', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const empty = await alice.sendFile(new Uint8Array(0), { room: 'lobby', name: 'empty' });
      for (let index = 0; index < 5; index++) await alice.download(empty.id, join(directory, `empty-${index}`));
      for (let index = 0; index < 3; index++) {
        const error = await t.throwsAsync(alice.download(empty.id, join(directory, 'missing', 'dir', 'x')));
        t.is(codeOf(error), 'ERR_STORAGE');
      }
      const files = await Promise.all([1, 2].map((index) => alice.sendFile(Buffer.alloc(index), { room: 'lobby' })));
      t.is(files.length, 2, 'both slots are free');
    },
    { storage: join(directory, 'store'), maxTransfers: 2 },
  );
});

test('a source that yields something else than bytes is a TypeError, and the server keeps nothing', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ server, connect }) => {
      const alice = await connect('alice');
      const ended = nextEvent(server, 'transfer-end');
      await t.throwsAsync(alice.sendFile(Readable.from(['text, not bytes']), { room: 'lobby', size: 15 }), { instanceOf: TypeError });
      t.truthy((await ended).error);
      t.deepEqual(await filesBelow(storage), []);
    },
    { storage },
  );
});

test('a throwing progress listener does not break the transfer', async (t) => {
  const directory = await temporaryDirectory(t);
  const source = await randomFile(directory, 'data.bin', 4 * 1024 * 1024);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const errors = collect(alice, 'error');
      const upload = alice.sendFile(source.path, { room: 'lobby' });
      upload.on('progress', () => {
        throw new Error('listener bug');
      });
      t.is((await upload).sha256, source.sha256, 'the upload completes');
      t.true(errors.length > 0, "the bug surfaces on the client's error event");
      t.true(errors.every((error) => error.code === 'ERR_INTERNAL' && (error.cause as Error).message === 'listener bug'));
    },
    { storage: join(directory, 'store') },
  );
});

test('ids that cannot name a file are refused locally; the connection stays', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const error = await t.throwsAsync(alice.download('f'.repeat(100), directory));
      t.is(codeOf(error), 'ERR_FILE_NOT_FOUND');
      t.true(alice.connected);
    },
    { storage: join(directory, 'store') },
  );
});

test('a destination ending with a separator is a directory, created if need be', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const file = await alice.sendFile(Buffer.from('x'), { room: 'lobby', name: 'note.txt' });
      const saved = await alice.download(file.id, join(directory, 'new', 'folder') + '/');
      t.is(saved.path, join(directory, 'new', 'folder', 'note.txt'));
      t.true((await stat(join(directory, 'new', 'folder'))).isDirectory());
    },
    { storage: join(directory, 'store') },
  );
});

test('an upload whose every byte arrived is stored and announced even if its uploader disconnects', async (t) => {
  const directory = await temporaryDirectory(t);
  const slow = slowCommitStore(join(directory, 'store'));
  await withServer(
    t,
    async ({ server, connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      const ends = collect(server, 'transfer-end');
      const announced = nextEvent(bob, 'file');
      const upload = alice.sendFile(Buffer.from('almost there'), { room: 'lobby', name: 'late.txt' });
      await slow.committing;
      upload.cancel();
      await alice.close();
      slow.release();
      const file: FileInfo = await announced;
      t.is(file.name, 'late.txt');
      await ends.atLeast(1);
      t.is(ends.length, 1);
      t.is(ends[0]!.error, undefined);
      t.truthy(codeOf(await t.throwsAsync(upload)), 'the uploader, gone, learns nothing more');
      t.deepEqual((await bob.files()).map((entry) => entry.id), [file.id]);
    },
    { storage: slow.store },
  );
});

test('a store that fails with plain errors is reported as ERR_STORAGE', async (t) => {
  const directory = await temporaryDirectory(t);
  const disk = new DiskFileStore(join(directory, 'store'), { fsync: false });
  const broken: FileStore = {
    create: (id) => disk.create(id),
    open: async () => {
      throw new Error('disk on fire');
    },
    list: () => disk.list(),
    delete: (id) => disk.delete(id),
  };
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const file = await alice.sendFile(Buffer.from('x'), { room: 'lobby' });
      const error = await t.throwsAsync(alice.download(file.id, directory));
      t.is(codeOf(error), 'ERR_STORAGE');
    },
    { storage: broken },
  );
});

test('server.close() resolves after the partial files of interrupted uploads are gone', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  const source = await randomFile(directory, 'data.bin', 32 * 1024 * 1024);
  const harness = await startServer({ storage });
  const alice = await harness.connect('alice');
  const ends = collect(harness.server, 'transfer-end');
  const upload = alice.sendFile(source.path, { room: 'lobby' });
  await nextEvent(upload, 'progress');
  await harness.server.close();
  t.is(ends.length, 1);
  t.truthy(ends[0]!.error);
  t.deepEqual(await filesBelow(storage), []);
  // The client waits to reconnect and continue; closing it ends the upload.
  await alice.close();
  t.is(codeOf(await t.throwsAsync(upload)), 'ERR_CLOSED');
  await closeAll(harness);
});

test('a stream longer than its declared size fails with ERR_CHECKSUM, even when the excess comes last', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ server, connect }) => {
      const alice = await connect('alice');
      const ended = nextEvent(server, 'transfer-end');
      const error = await t.throwsAsync(alice.sendFile(Readable.from([Buffer.alloc(10), Buffer.alloc(5)]), { room: 'lobby', size: 10 }));
      t.is(codeOf(error), 'ERR_CHECKSUM');
      t.truthy((await ended).error);
      t.deepEqual(await filesBelow(storage), []);
    },
    { storage },
  );
});

test('server.close() waits for an upload being stored: its file and transfer-end come before close', async (t) => {
  const directory = await temporaryDirectory(t);
  const slow = slowCommitStore(join(directory, 'store'));
  const harness = await startServer({ storage: slow.store });
  const alice = await harness.connect('alice');
  const order: string[] = [];
  harness.server.on('file', () => order.push('file'));
  harness.server.on('transfer-end', () => order.push('transfer-end'));
  harness.server.on('close', () => order.push('close'));
  const upload = alice.sendFile(Buffer.from('in the nick of time'), { room: 'lobby' });
  upload.catch(() => undefined);
  await slow.committing;
  const closed = harness.server.close();
  setImmediate(slow.release);
  await closed;
  t.deepEqual(order, ['file', 'transfer-end', 'close']);
  await closeAll(harness);
});

test('a download streams into an HTTP response (a writable that is not an instanceof Writable)', async (t) => {
  const directory = await temporaryDirectory(t);
  const harness = await startServer({ storage: join(directory, 'store') });
  t.teardown(() => closeAll(harness));
  const alice = await harness.connect('alice');
  const bytes = Buffer.alloc(2 * 1024 * 1024, 'web');
  const file = await alice.sendFile(bytes, { room: 'lobby', name: 'web.bin' });
  const web = createHttpServer((_request, response) => {
    response.setHeader('content-type', 'application/octet-stream');
    alice.download(file.id, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => web.close(() => resolve())));
  const { port } = web.address() as { port: number };
  const body = Buffer.from(await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer());
  t.true(body.equals(bytes));
});

import test from 'ava';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ChatServer, DiskFileStore, PieChatError, type FileSink, type FileStore } from '../lib/index.js';
import { encodeData } from '../lib/protocol/encoder.js';
import { collect, nextEvent, startServer, closeAll, withServer } from './helpers/chat.js';
import { filesBelow, randomFile, sha256Of, temporaryDirectory } from './helpers/files.js';
import { LineClient } from './helpers/line.js';
import { RawClient } from './helpers/raw.js';

const STORED = /^files\/[0-9a-f]{32}(\.json)?$/;
const codeOf = (error: unknown): string | undefined => (error instanceof PieChatError ? error.code : undefined);

test('hostile display names are sanitised; files are stored under generated ids only', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const cases: Array<[string, string]> = [
        ['../../etc/passwd', 'passwd'],
        ['C:\\Windows\\system32\\evil.dll', 'evil.dll'],
        ['..', 'file'],
        ['...', 'file'],
        ['CON', '_CON'],
        ['nul.txt', '_nul.txt'],
        ['bad\u0000name\u0007\u001b[2J.txt', 'bad_name__[2J.txt'],
        ['  spaced out.  ', 'spaced out'],
        ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
      ];
      for (const [hostile, safe] of cases) {
        const file = await alice.sendFile(Buffer.from(hostile), { room: 'lobby', name: hostile });
        t.is(file.name, safe, JSON.stringify(hostile));
      }
      const long = await alice.sendFile(Buffer.from('x'), { room: 'lobby', name: `${'é'.repeat(300)}.txt` });
      t.true(Buffer.byteLength(long.name) <= 255 && long.name.endsWith('.txt'), 'overlong names are cut, keeping the extension');
      const stored = await filesBelow(storage);
      t.true(stored.every((path) => STORED.test(path)), stored.join(', '));
      t.is(stored.length, 2 * (cases.length + 1));
    },
    { storage },
  );
});

test('unknown and crafted file ids get ERR_FILE_NOT_FOUND and write nothing', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      for (const id of ['../../etc/passwd', '0'.repeat(32), 'ZZZ', `${'a'.repeat(32)}/../x`, '%2e%2e%2f']) {
        const error = await t.throwsAsync(alice.download(id, join(directory, 'out')), undefined, id);
        t.is(codeOf(error), 'ERR_FILE_NOT_FOUND', id);
      }
      t.deepEqual((await filesBelow(directory)).filter((path) => !path.startsWith('store/')), []);
    },
    { storage: join(directory, 'store') },
  );
});

test('a forged upload (bytes that do not match the declared SHA-256 or size) gets ERR_CHECKSUM and nothing is stored', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ port, connect }) => {
      const bob = await connect('bob');
      const announced = collect(bob, 'file');
      const raw = await RawClient.open(port, 'mallory');
      const payload = Buffer.from('the real bytes');
      raw.send({ t: 'upload', r: 1, stream: 1, transfer: 'x', name: 'forged.txt', size: payload.length, room: 'lobby' });
      await raw.waitFor((frame) => frame.json?.r === 1 && frame.json.t === 'ok');
      raw.write(encodeData(1, 0, payload));
      raw.send({ t: 'end', r: 2, stream: 1, sha256: sha256Of(Buffer.from('other bytes')) });
      const refused = await raw.waitFor((frame) => frame.json?.r === 2);
      t.like(refused.json, { t: 'err', code: 'ERR_CHECKSUM' });

      raw.send({ t: 'upload', r: 3, stream: 2, transfer: 'y', name: 'short.txt', size: 100, room: 'lobby' });
      await raw.waitFor((frame) => frame.json?.r === 3 && frame.json.t === 'ok');
      raw.write(encodeData(2, 0, payload));
      raw.send({ t: 'end', r: 4, stream: 2, sha256: sha256Of(payload) });
      t.like((await raw.waitFor((frame) => frame.json?.r === 4)).json, { t: 'err', code: 'ERR_CHECKSUM' });

      t.deepEqual(await bob.files(), []);
      t.deepEqual(announced, []);
      t.deepEqual(await filesBelow(storage), []);
      raw.close();
    },
    { storage },
  );
});

test('flow-control and stream violations close only the offending connection, and its partial upload is removed', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ server, port, connect }) => {
      const alice = await connect('alice');
      const open = async (name: string, size: number): Promise<RawClient> => {
        const raw = await RawClient.open(port, name);
        raw.send({ t: 'upload', r: 1, stream: 5, transfer: 't', name: 'x', size, room: 'lobby' });
        await raw.waitFor((frame) => frame.json?.r === 1 && frame.json.t === 'ok');
        return raw;
      };
      const violations: Array<[string, (raw: RawClient) => void]> = [
        ['beyond the window', (raw) => raw.write(encodeData(5, 0, Buffer.alloc(256 * 1024 + 1)))],
        ['out of order', (raw) => raw.write(encodeData(5, 10, Buffer.alloc(10)))],
        ['a stream never opened', (raw) => raw.write(encodeData(99, 0, Buffer.alloc(10)))],
        ['a reused stream id', (raw) => raw.send({ t: 'upload', r: 2, stream: 5, transfer: 't', name: 'x', size: 1, room: 'lobby' })],
        ['credit for an upload', (raw) => raw.send({ t: 'credit', stream: 5, ack: 0, window: 10 })],
        ['beyond the size', (raw) => raw.write(encodeData(5, 0, Buffer.alloc(200)))],
      ];
      for (const [label, violate] of violations) {
        const ended = nextEvent(server, 'transfer-end');
        const raw = await open(`m${violations.findIndex(([name]) => name === label)}`, label === 'beyond the size' ? 100 : 1_000_000);
        violate(raw);
        await t.notThrowsAsync(raw.waitFor((frame) => frame.json?.t === 'err' && frame.json.code === 'ERR_PROTOCOL'), label);
        await raw.closed;
        await ended;
        t.deepEqual(await filesBelow(storage), [], `${label}: no partial file`);
      }
      t.deepEqual(await alice.users(), ['alice']);
    },
    { storage, transferWindowBytes: 256 * 1024 },
  );
});

test('limits: oversize files are refused before a byte is sent; quota and concurrent transfers are capped', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  await withServer(
    t,
    async ({ server, port, connect }) => {
      const alice = await connect('alice');
      t.is(alice.limits?.maxFileBytes, 1000);
      const progress = collect(server, 'progress');
      const oversize = await t.throwsAsync(alice.sendFile(Buffer.alloc(1001), { room: 'lobby' }));
      t.is(codeOf(oversize), 'ERR_FILE_TOO_LARGE');
      t.deepEqual(progress, [], 'the server never heard of it');
      const raw = await RawClient.open(port, 'mallory');
      raw.send({ t: 'upload', r: 1, stream: 1, transfer: 't', name: 'x', size: 5000, room: 'lobby' });
      t.like((await raw.waitFor((frame) => frame.json?.r === 1)).json, { t: 'err', code: 'ERR_FILE_TOO_LARGE' });
      raw.close();

      await alice.sendFile(Buffer.alloc(900), { room: 'lobby' });
      const overQuota = await t.throwsAsync(alice.sendFile(Buffer.alloc(200), { room: 'lobby' }));
      t.is(codeOf(overQuota), 'ERR_QUOTA_EXCEEDED');

      const bob = await connect('bob');
      const streams = [new PassThrough(), new PassThrough()];
      const held = streams.map((stream) => bob.sendFile(stream, { room: 'lobby', size: 10 }));
      for (const stream of streams) stream.write(Buffer.alloc(5));
      await Promise.all(held.map((transfer) => nextEvent(transfer, 'progress')));
      const third = await t.throwsAsync(bob.sendFile(Buffer.alloc(1), { room: 'lobby' }));
      t.is(codeOf(third), 'ERR_TOO_MANY_TRANSFERS');
      for (const stream of streams) stream.end(Buffer.alloc(5));
      for (const transfer of held) t.is((await transfer).size, 10);
      t.is((await bob.sendFile(Buffer.alloc(1), { room: 'lobby' })).size, 1, 'slots are free again');
    },
    { storage, maxFileBytes: 1000, quotaBytes: 1000, maxTransfers: 2 },
  );
});

test('a client that disconnects mid-upload leaves no partial file; file metadata survives a restart', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  const source = await randomFile(directory, 'big.bin', 32 * 1024 * 1024);
  const first = await startServer({ storage });
  const alice = await first.connect('alice');
  const kept = await alice.sendFile(Buffer.from('keep me'), { room: 'lobby', name: 'kept.txt' });
  const ended = nextEvent(first.server, 'transfer-end', (event) => event.error !== undefined);
  const upload = alice.sendFile(source.path, { room: 'lobby' });
  await nextEvent(first.server, 'progress', (report) => report.name === 'big.bin');
  void alice.close();
  t.truthy(codeOf(await t.throwsAsync(upload)));
  t.is((await ended).error?.code, 'ERR_CLOSED');
  t.deepEqual((await filesBelow(storage)).sort(), [`files/${kept.id}`, `files/${kept.id}.json`]);
  await closeAll(first);

  const second = await startServer({ storage: new DiskFileStore(storage) });
  try {
    const bob = await second.connect('bob');
    t.deepEqual(await bob.files(), [kept], 'a new server on the same directory lists the same files');
    await bob.download(kept.id, join(directory, 'copy.txt'));
    t.is(sha256Of(await import('node:fs/promises').then((fs) => fs.readFile(join(directory, 'copy.txt')))), kept.sha256);
  } finally {
    await closeAll(second);
  }
});

test('with a slow store, the server never holds more than a window of an upload', async (t) => {
  const directory = await temporaryDirectory(t);
  const disk = new DiskFileStore(join(directory, 'store'), { fsync: false });
  const window = 256 * 1024;
  let largestBatch = 0;
  const slow: FileStore = {
    ...disk,
    create: async (id) => {
      const sink = await disk.create(id);
      const slowSink: FileSink = {
        async write(chunks) {
          largestBatch = Math.max(largestBatch, chunks.reduce((sum, chunk) => sum + chunk.length, 0));
          await new Promise((resolve) => setTimeout(resolve, 5));
          await sink.write(chunks);
        },
        commit: (info) => sink.commit(info),
        abort: () => sink.abort(),
      };
      return slowSink;
    },
    open: (id, offset) => disk.open(id, offset),
    list: () => disk.list(),
    delete: (id) => disk.delete(id),
  };
  const source = await randomFile(directory, 'data.bin', 8 * 1024 * 1024);
  await withServer(
    t,
    async ({ connect }) => {
      const alice = await connect('alice');
      const file = await alice.sendFile(source.path, { room: 'lobby' });
      t.is(file.sha256, source.sha256);
      t.true(largestBatch <= window, `largest batch waiting for the store: ${largestBatch} bytes`);
      t.true(largestBatch > 0);
    },
    { storage: slow, transferWindowBytes: window },
  );
});

test('line mode: new files are announced and /files lists them', async (t) => {
  const directory = await temporaryDirectory(t);
  await withServer(
    t,
    async ({ port, connect }) => {
      const alice = await connect('alice');
      const carol = await LineClient.login(port, 'carol');
      const file = await alice.sendFile(Buffer.from('hello'), { room: 'lobby', name: 'notes.txt' });
      await t.notThrowsAsync(carol.waitForLine(new RegExp(`^\\[lobby\\] alice shared notes\\.txt \\(5 B\\), id ${file.id}$`)));
      carol.type('/files');
      await t.notThrowsAsync(carol.waitForLine(new RegExp(`^${file.id} +5 B +\\[lobby\\] alice: notes\\.txt$`)));
      carol.close();
    },
    { storage: join(directory, 'store') },
  );
});

test('server options for files are checked', (t) => {
  t.throws(() => new ChatServer({ storage: 42 as never }), { instanceOf: TypeError, message: /storage/ });
  t.throws(() => new ChatServer({ storage: {} as never }), { instanceOf: TypeError, message: /FileStore/ });
  t.throws(() => new ChatServer({ maxTransfers: 0 }), { instanceOf: TypeError, message: /maxTransfers/ });
  t.throws(() => new ChatServer({ transferWindowBytes: 10 }), { instanceOf: TypeError, message: /transferWindowBytes/ });
});

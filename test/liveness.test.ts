import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ChatClient, type ChatMessage } from '../lib/index.js';
import { closeAll, collect, nextEvent, startServer } from './helpers/chat.js';
import { Child } from './helpers/child.js';
import { filesBelow, randomFile, temporaryDirectory } from './helpers/files.js';
import { LineClient } from './helpers/line.js';
import { FaultProxy } from './helpers/proxy.js';
import { RawClient } from './helpers/raw.js';
import { nextMessage } from './helpers/wait.js';

const FAST = { initialDelayMs: 5, maxDelayMs: 20 };

test('a peer that goes silent (cable pulled) is found dead within about two heartbeats on both sides; the client then resumes', async (t) => {
  const harness = await startServer({ heartbeatIntervalMs: 100 });
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(async () => {
    await proxy.close();
    await closeAll(harness);
  });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const suspended = nextEvent(harness.server, 'suspend', undefined, 2_000);
  const lost = nextEvent(alice, 'disconnect', undefined, 2_000);
  const back = nextEvent(alice, 'connect', undefined, 4_000);
  const started = Date.now();
  proxy.stall();
  const [suspend, disconnect] = await Promise.all([suspended, lost]);
  t.log(`server noticed after ${Date.now() - started} ms (interval 100 ms)`);
  t.like(suspend, { user: 'alice', reason: 'timeout' });
  t.like(disconnect, { reason: 'timeout', willReconnect: true });
  t.is(disconnect.error?.code, 'ERR_TIMEOUT');
  t.true((await back).resumed);
});

test('heartbeats are not starved by file chunks: a 48 MiB transfer each way with 50 ms heartbeats loses no connection', async (t) => {
  const directory = await temporaryDirectory(t);
  const harness = await startServer({ heartbeatIntervalMs: 50, storage: join(directory, 'store') });
  t.teardown(() => closeAll(harness));
  const alice = await harness.connect('alice', { reconnect: false });
  const bob = await harness.connect('bob', { reconnect: false });
  const suspends = collect(harness.server, 'suspend');
  const disconnects = [...collect(alice, 'disconnect'), ...collect(bob, 'disconnect')];
  const source = await randomFile(directory, 'big.bin', 48 * 1024 * 1024);
  const file = await alice.sendFile(source.path, { room: 'lobby' });
  const copy = await bob.download(file.id, join(directory, 'copy.bin'));
  t.is(copy.sha256, source.sha256);
  t.deepEqual(suspends, []);
  t.deepEqual(disconnects, []);
  t.true(alice.connected && bob.connected);
});

test('a client that stops reading is disconnected as a slow consumer; the server stays small and the others get everything', async (t) => {
  t.timeout(60_000);
  const server = new Child(['--expose-gc', '--import', 'tsx', 'test/fixtures/measured-server.ts'], {
    PIECHAT_OPTIONS: JSON.stringify({ maxFrameBytes: 128 * 1024, maxOutputBufferBytes: 1024 * 1024, maxMessagesPerSecond: 0 }),
  });
  t.teardown(() => server.kill());
  const port = Number((await server.waitForLine(/^port /, 20_000)).split(' ')[1]);
  const rssLines = (): string[] => server.stdout.filter((line) => line.startsWith('rss '));
  const memory = async (): Promise<{ rss: number; live: number }> => {
    const seen = rssLines().length;
    server.writeLine('rss');
    while (rssLines().length === seen) await sleep(10);
    const [, rss, live] = rssLines().at(-1)!.split(' ');
    return { rss: Number(rss), live: Number(live) };
  };
  const alice = new ChatClient({ host: '127.0.0.1', port, name: 'alice', reconnect: false });
  const bob = new ChatClient({ host: '127.0.0.1', port, name: 'bob', reconnect: false });
  t.teardown(() => Promise.all([alice.close(), bob.close()]).then(() => undefined));
  await alice.connect();
  await bob.connect();

  // Bob checks order as messages come, without keeping them.
  let next = 0;
  let disorder = 0;
  bob.on('message', (message: ChatMessage) => {
    if (message.text.slice(0, 8) !== String(next).padStart(8, '0')) disorder++;
    next++;
  });
  const blast = async (from: number, count: number): Promise<void> => {
    const filler = 'x'.repeat(4000);
    for (let batch = from; batch < from + count; batch += 100) {
      await Promise.all(Array.from({ length: Math.min(100, from + count - batch) }, (_, k) => alice.send(`${String(batch + k).padStart(8, '0')}${filler}`, { room: 'lobby' })));
    }
  };
  await blast(0, 1000);
  const before = await memory();

  const frozen = await RawClient.open(port, 'frozen');
  frozen.socket.pause();
  const kicked = server.waitForLine('slow-consumer frozen', 30_000);
  await blast(1000, 11000);
  await kicked;
  const after = await memory();
  const users = await bob.users();
  t.false(users.includes('frozen'), 'the frozen client is gone');
  const deadline = Date.now() + 10_000;
  while (next < 12000 && Date.now() < deadline) await sleep(10);
  t.is(next, 12000, 'bob got every message');
  t.is(disorder, 0, 'in order');
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  t.log(`server after GC: RSS ${mib(before.rss)} → ${mib(after.rss)} MiB, heap + external ${mib(before.live)} → ${mib(after.live)} MiB, after 44 MiB of chat to a frozen reader`);
  // RSS also reflects the heap V8 keeps after a burst of traffic; what is live is the bound that matters.
  t.true(after.live - before.live < 16 * 1024 * 1024, 'what the server holds grew by less than 16 MiB');
  frozen.close();
});

test('a line-mode user idle past lineIdleTimeoutMs is told and closed; the others are not', async (t) => {
  const harness = await startServer({ lineIdleTimeoutMs: 200 });
  t.teardown(() => closeAll(harness));
  const bob = await harness.connect('bob');
  const left = nextEvent(bob, 'leave', (event) => event.user === 'nc');
  const line = await LineClient.login(harness.port, 'nc');
  t.teardown(() => line.close());
  await line.waitForLine(/Idle for too long/, 3_000);
  await line.closed;
  t.is((await left).reason, 'timeout');
  t.true(bob.connected);
});

test('traffic split into 1-byte writes each way still chats and transfers', async (t) => {
  const directory = await temporaryDirectory(t);
  const harness = await startServer({ storage: join(directory, 'store') });
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(async () => {
    await proxy.close();
    await closeAll(harness);
  });
  proxy.split(true);
  const alice = await harness.connect('alice', { port: proxy.port });
  const bob = await harness.connect('bob', { port: proxy.port });
  const arrives = nextMessage(bob, (message) => message.from === 'alice');
  await alice.send('héllo, byte by byte', { room: 'lobby' });
  t.is((await arrives).text, 'héllo, byte by byte');
  const source = await randomFile(directory, 'small.bin', 64 * 1024);
  const file = await alice.sendFile(source.bytes, { room: 'lobby', name: 'small.bin' });
  const copy = await bob.download(file.id, join(directory, 'copy.bin'));
  t.is(copy.sha256, source.sha256);
});

test('an upload interrupted for good is kept for partialUploadTtlMs, then deleted', async (t) => {
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  const harness = await startServer({ storage, partialUploadTtlMs: 1_000, resumeGraceMs: 100 });
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(async () => {
    await proxy.close();
    await closeAll(harness);
  });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: false });
  // A source that cuts the connection after its first 4 MiB: the server holds a partial upload.
  const piece = Buffer.alloc(1024 * 1024, 7);
  const source = Readable.from(
    (function* () {
      for (let index = 0; index < 16; index++) {
        if (index === 4) proxy.cut();
        yield piece;
      }
    })(),
  );
  const suspended = nextEvent(harness.server, 'suspend');
  const upload = alice.sendFile(source, { room: 'lobby', name: 'big.bin', size: 16 * piece.length });
  t.is((await t.throwsAsync(upload)).name, 'PieChatError');
  const partial = async (): Promise<string[]> => (await filesBelow(storage)).filter((path) => !path.startsWith('files/'));
  await suspended;
  t.not((await partial()).length, 0, 'kept while it may be resumed');
  const deadline = Date.now() + 5_000;
  while ((await partial()).length > 0 && Date.now() < deadline) await sleep(50);
  t.deepEqual(await partial(), [], 'deleted after its time');
});

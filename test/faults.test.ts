import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { ChatClient, ChatMessage, FileInfo, GapEvent } from '../lib/index.js';
import { closeAll, collect, startServer } from './helpers/chat.js';
import { filesBelow, randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { FaultProxy } from './helpers/proxy.js';

const NAMES = ['alice', 'bob', 'carol'] as const;
const MESSAGES = 1_000;
const CUTS = 50;
const FILE_BYTES = 20 * 1024 * 1024;

/** Resolves once `condition()` holds, checking every few ms; rejects after `timeoutMs` with `what`. */
async function until(condition: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await sleep(5);
  }
}

/** Random whole number from `min` to `max`. */
function between(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

test('under 50 random cuts: 1,000 messages reach every member exactly once and in order, a 20 MiB file arrives whole', async (t) => {
  t.timeout(180_000);
  const directory = await temporaryDirectory(t);
  const storage = join(directory, 'store');
  const downloads = join(directory, 'downloads');
  await mkdir(downloads);
  // The clients send as fast as they can: no rate limit.
  const harness = await startServer({ storage, maxMessagesPerSecond: 0 });
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(() => proxy.close());
  const options = { port: proxy.port, reconnect: { initialDelayMs: 2, maxDelayMs: 40 } };
  const clients: ChatClient[] = await Promise.all(NAMES.map((name) => harness.connect(name, options)));
  const [alice, bob] = clients as [ChatClient, ChatClient, ChatClient];
  const received = clients.map((client) => collect(client, 'message'));
  const gaps: GapEvent[] = [];
  for (const client of clients) client.on('gap', (gap) => gaps.push(gap));
  const resumes = collect(harness.server, 'resume');
  const source = await randomFile(directory, 'big.bin', FILE_BYTES);

  // Cuts at random moments, each while at least one connection is open, until all are done.
  const cutting = (async () => {
    for (let cut = 0; cut < CUTS; cut++) {
      await sleep(between(5, 60));
      await until(() => proxy.open > 0, () => 'a connection to cut');
      proxy.cut();
    }
  })();

  // Every client sends its share without waiting for each answer; a few are in flight at any time.
  const acknowledged: ChatMessage[] = [];
  const sending = clients.map(async (client, index) => {
    const share = Math.ceil((MESSAGES - index) / NAMES.length);
    const pending: Array<Promise<void>> = [];
    for (let k = 0; k < share; k++) {
      pending.push(client.send(`${NAMES[index]} #${k}`, { room: 'lobby' }).then((message) => void acknowledged.push(message)));
      await sleep(between(0, 6));
    }
    await Promise.all(pending);
  });

  // The file goes up from alice and down to bob, through the random cuts and one cut at a third
  // of each transfer at least; each must continue from where it stopped.
  const interrupted = { upload: 0, download: 0 };
  const cutAtAThird = (direction: 'upload' | 'download', bytes: number): void => {
    if (interrupted[direction] > 0 || bytes < FILE_BYTES / 3) return;
    interrupted[direction]++;
    proxy.cut();
  };
  const announced = new Promise<FileInfo>((resolve) => bob.once('file', resolve));
  const upload = alice.sendFile(source.path, { room: 'lobby' });
  upload.on('progress', ({ bytes }) => cutAtAThird('upload', bytes));
  const file = await announced;
  const download = bob.download(file.id, `${downloads}/`);
  download.on('progress', ({ bytes }) => cutAtAThird('download', bytes));

  await Promise.all([...sending, cutting]);
  const uploaded = await upload;
  const downloaded = await download;
  t.deepEqual(interrupted, { upload: 1, download: 1 });
  t.true(proxy.cuts >= CUTS);

  // Every acknowledged message reaches every other member once, in order.
  t.is(acknowledged.length, MESSAGES);
  const bySeq = [...acknowledged].sort((a, b) => a.seq - b.seq);
  t.is(new Set(bySeq.map((message) => message.seq)).size, MESSAGES, 'each message has its own seq');
  for (const [index, name] of NAMES.entries()) {
    const expected = bySeq.filter((message) => message.from !== name).map((message) => message.id);
    const chat = (): ChatMessage[] => received[index]!.filter((message) => (NAMES as readonly string[]).includes(message.from));
    await until(
      () => chat().length >= expected.length,
      () => `${name} to receive ${expected.length} messages (has ${chat().length})`,
    );
    t.deepEqual(
      chat().map((message) => message.id),
      expected,
      `${name} got every message once, in order`,
    );
  }
  t.deepEqual(gaps, [], 'nothing was older than the history');
  t.true(resumes.length > 0, 'sessions were resumed');

  // The file, whole and verified, on both sides; no temporary file anywhere.
  t.is(uploaded.sha256, source.sha256);
  t.is(downloaded.sha256, source.sha256);
  t.is(await sha256OfFile(downloaded.path!), source.sha256);
  t.deepEqual(await filesBelow(downloads), ['big.bin']);
  t.deepEqual(
    (await filesBelow(storage)).filter((path) => !path.startsWith('files/')),
    [],
    'no partial upload is left on the server',
  );
  await closeAll(harness);
});

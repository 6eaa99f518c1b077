import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { ChatClient, type ChatClientOptions, type ChatMessage, type PieChatError } from '../lib/index.js';
import { collect, nextEvent } from './helpers/chat.js';
import { clusterPrefix, REDIS_URL, startNodes, type ClusterNode } from './helpers/cluster.js';
import { randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { nextMessage } from './helpers/wait.js';

if (REDIS_URL === undefined) {
  if (process.env.CI !== undefined) throw new Error('PIECHAT_REDIS_URL is not set: .ci/run starts Redis and sets it');
  console.warn('\n*** SKIPPING the cluster tests: no Redis. Start one and set PIECHAT_REDIS_URL=redis://127.0.0.1:6379 ***\n');
}
const clusterTest = REDIS_URL === undefined ? test.skip : test.serial;

/** A client of `node`, failing over to `others`; closed after the test. */
function clientOf(t: ExecutionContext, name: string, node: ClusterNode, others: ClusterNode[] = [], extra: Partial<ChatClientOptions> = {}): ChatClient {
  const client = new ChatClient({
    host: '127.0.0.1',
    port: node.port,
    name,
    servers: others.map(({ port }) => ({ host: '127.0.0.1', port })),
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  });
  t.teardown(() => client.close());
  return client;
}

/** Resolves once `condition()` holds; rejects after `timeoutMs` with `what()`. */
async function until(condition: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
    await sleep(10);
  }
}

const chatOf = (messages: readonly ChatMessage[]): ChatMessage[] => messages.filter((message) => message.room === 'lobby' && message.system !== true);

clusterTest('clients on three nodes share a room: every message reaches everyone once, in one order; private messages cross nodes; names are unique cluster-wide', async (t) => {
  t.timeout(90_000);
  const storage = await temporaryDirectory(t);
  const nodes = await startNodes(t, 3, clusterPrefix(), storage);
  const names = ['alice', 'bob', 'carol', 'dave'];
  const clients = names.map((name, index) => clientOf(t, name, nodes[index % 3]!));
  await Promise.all(clients.map((client) => client.connect()));
  const received = clients.map((client) => collect(client, 'message'));
  // Presence is cluster-wide (it spreads through Redis in a moment).
  let everyone: string[] = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(20)) {
    everyone = (await clients[2]!.users()).sort();
    if (everyone.length === names.length) break;
  }
  t.deepEqual(everyone, names);
  t.deepEqual((await clients[1]!.users('lobby')).sort(), names);
  const impostor = clientOf(t, 'ALICE', nodes[1]!, [], { reconnect: false });
  t.is((await t.throwsAsync<PieChatError>(impostor.connect())).code, 'ERR_NAME_TAKEN');

  // 50 messages from each, all at once, from every node.
  const sent = await Promise.all(clients.map((client, index) => Promise.all(Array.from({ length: 50 }, (_, k) => client.send(`${names[index]} ${k}`, { room: 'lobby' })))));
  const all = sent.flat();
  t.is(new Set(all.map((message) => message.seq)).size, 200, 'one seq per message, cluster-wide');
  for (const [index, messages] of received.entries()) {
    await until(
      () => chatOf(messages).length >= 150,
      () => `${names[index]} to get 150 messages (has ${chatOf(messages).length})`,
    );
  }
  await sleep(100);
  const order = [...all].sort((a, b) => a.seq - b.seq).map((message) => message.id);
  for (const [index, messages] of received.entries()) {
    const expected = order.filter((id) => all.find((message) => message.id === id)!.from !== names[index]);
    t.deepEqual(
      chatOf(messages).map((message) => message.id),
      expected,
      `${names[index]} got every other message once, in the cluster's order`,
    );
  }

  const whisper = nextMessage(clients[2]!, (message) => message.to !== undefined);
  await clients[0]!.send('psst, across nodes', { to: 'carol' });
  t.like(await whisper, { from: 'alice', to: 'carol', text: 'psst, across nodes' });
});

clusterTest('a node killed mid-conversation: its clients fail over and resume with nothing lost or duplicated; the others see them leave and rejoin', async (t) => {
  t.timeout(90_000);
  const storage = await temporaryDirectory(t);
  const [a, b, c] = (await startNodes(t, 3, clusterPrefix(), storage)) as [ClusterNode, ClusterNode, ClusterNode];
  const alice = clientOf(t, 'alice', a, [b, c]);
  const bob = clientOf(t, 'bob', b, [c]);
  const carol = clientOf(t, 'carol', c, [b]);
  await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
  const atAlice = collect(alice, 'message');
  const leaves = collect(bob, 'leave');
  const joins = collect(bob, 'join');
  const reconnected = nextEvent(alice, 'connect', undefined, 20_000);

  const sent: ChatMessage[] = [];
  const talking = (async () => {
    for (let index = 0; index < 60; index++) {
      const speaker = index % 2 === 0 ? bob : carol;
      sent.push(await speaker.send(`line ${index}`, { room: 'lobby' }));
      await sleep(15);
    }
  })();
  await sleep(200);
  a.child.process.kill('SIGKILL');
  const info = await reconnected;
  t.false(info.resumed, 'a new session on another node');
  await talking;
  await until(
    () => chatOf(atAlice).length >= sent.length,
    () => `alice to get ${sent.length} messages (has ${chatOf(atAlice).length})`,
    20_000,
  );
  await sleep(200);
  t.deepEqual(
    chatOf(atAlice).map((message) => message.id),
    [...sent].sort((x, y) => x.seq - y.seq).map((message) => message.id),
    'every message once, in order, across the failover',
  );
  await until(
    () => leaves.some((event) => event.user === 'alice') && joins.some((event) => event.user === 'alice'),
    () => `bob to see alice leave and rejoin (leaves ${JSON.stringify(leaves)}, joins ${JSON.stringify(joins)})`,
    20_000,
  );
  t.deepEqual((await bob.users('lobby')).sort(), ['alice', 'bob', 'carol']);
  const back = nextMessage(bob, (message) => message.from === 'alice');
  await alice.send('back on another node', { room: 'lobby' });
  t.is((await back).text, 'back on another node');
});

clusterTest('a file uploaded through one node downloads through another with the right SHA-256', async (t) => {
  t.timeout(60_000);
  const storage = await temporaryDirectory(t);
  const directory = await temporaryDirectory(t);
  const [a, , c] = (await startNodes(t, 3, clusterPrefix(), storage)) as [ClusterNode, ClusterNode, ClusterNode];
  const alice = clientOf(t, 'alice', a);
  const carol = clientOf(t, 'carol', c);
  await Promise.all([alice.connect(), carol.connect()]);
  const announced = nextEvent(carol, 'file', undefined, 20_000);
  const source = await randomFile(directory, 'shared.bin', 8 * 1024 * 1024);
  const uploaded = await alice.sendFile(source.path, { room: 'lobby' });
  t.is((await announced).id, uploaded.id);
  const listed = await carol.files({ room: 'lobby' });
  t.deepEqual(
    listed.map((file) => file.id),
    [uploaded.id],
  );
  const copy = await carol.download(uploaded.id, join(directory, 'copy.bin'));
  t.is(copy.sha256, source.sha256);
  t.is(await sha256OfFile(copy.path!), source.sha256);

  // A private file to a user on another node.
  const privately = nextEvent(carol, 'file', (file) => file.to !== undefined, 20_000);
  const note = await alice.sendFile(Buffer.from('for carol only'), { to: 'carol', name: 'note.txt' });
  t.like(await privately, { id: note.id, from: 'alice', to: 'carol' });
  const noteCopy = await carol.download(note.id, join(directory, 'note.txt'));
  t.is(noteCopy.sha256, note.sha256);
});

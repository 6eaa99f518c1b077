import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ChatClient, MemoryHistoryStore, PieChatError, type ChatMessage } from '../lib/index.js';
import { closeAll, collect, nextEvent, startServer } from './helpers/chat.js';
import { behindProxy, FAST_RECONNECT } from './helpers/behind-proxy.js';
import { nextMessage } from './helpers/wait.js';

const FAST = FAST_RECONNECT;

test('send() while reconnecting queues, bounded by count and bytes; the queue goes out in order after the reconnection', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST, maxQueuedMessages: 3, maxQueuedBytes: 1024 });
  const bob = await harness.connect('bob');
  const received = collect(bob, 'message');

  proxy.refuse(true);
  const lost = nextEvent(alice, 'disconnect');
  proxy.cut();
  t.like(await lost, { willReconnect: true });
  t.is(alice.state, 'reconnecting');

  const queued = [alice.send('one', { room: 'lobby' }), alice.send('two', { room: 'lobby' }), alice.send('three', { to: 'bob' })];
  const overflow = await t.throwsAsync(alice.send('four', { room: 'lobby' }));
  t.is((overflow as PieChatError).code, 'ERR_QUEUE_FULL');
  t.true(overflow instanceof PieChatError);

  proxy.refuse(false);
  const sent = await Promise.all(queued);
  t.deepEqual(
    sent.map((message) => message.text),
    ['one', 'two', 'three'],
  );
  await received.atLeast(3);
  t.deepEqual(
    received.map((message) => message.text),
    ['one', 'two', 'three'],
  );
  t.is(alice.state, 'connected');
});

test('the byte bound of the queue refuses a message that would pass it, and keeps what is queued', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST, maxQueuedBytes: 100 });
  const bob = await harness.connect('bob');
  proxy.refuse(true);
  const lost = nextEvent(alice, 'disconnect');
  proxy.cut();
  await lost;
  const first = alice.send('x'.repeat(60), { room: 'lobby' });
  const refused = await t.throwsAsync(alice.send('y'.repeat(60), { room: 'lobby' }));
  t.is((refused as PieChatError).code, 'ERR_QUEUE_FULL');
  const arrives = nextMessage(bob, (message) => message.from === 'alice');
  proxy.refuse(false);
  t.is((await first).text, 'x'.repeat(60));
  t.is((await arrives).text, 'x'.repeat(60));
});

test('a message whose acknowledgement was lost is sent again and delivered once, with the same id and seq', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  const received = collect(bob, 'message');

  // The server gets the message and delivers it; its answer to alice is lost with the connection.
  proxy.blackhole('down');
  const sending = alice.send('only once', { room: 'lobby' });
  const delivered = await received.atLeast(1);
  proxy.cut();
  const acknowledged = await sending;
  t.is(acknowledged.id, delivered[0]!.id);
  t.is(acknowledged.seq, delivered[0]!.seq);

  // Later traffic proves nothing else was delivered meanwhile.
  await alice.send('after', { room: 'lobby' });
  await received.atLeast(2);
  await sleep(50);
  t.deepEqual(
    received.map((message) => message.text),
    ['only once', 'after'],
  );
});

test('after a reconnection the client resumes: missed room and private messages are replayed once, in order', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  await alice.join('side');
  await bob.join('side');
  const received = collect(alice, 'message');
  const connects = collect(alice, 'connect');
  await bob.send('before', { room: 'lobby' });
  await received.atLeast(1);

  proxy.refuse(true);
  const lost = nextEvent(harness.server, 'suspend');
  proxy.cut();
  await lost;
  for (let index = 0; index < 5; index++) await bob.send(`lobby ${index}`, { room: 'lobby' });
  await bob.send('side 0', { room: 'side' });
  await bob.send('private 0', { to: 'alice' });
  proxy.refuse(false);

  await received.atLeast(8);
  t.true(connects.at(-1)!.resumed);
  t.deepEqual(alice.joined.sort(), ['lobby', 'side']);
  t.deepEqual(
    received.map((message) => message.text),
    ['before', 'lobby 0', 'lobby 1', 'lobby 2', 'lobby 3', 'lobby 4', 'side 0', 'private 0'],
  );
  await sleep(50);
  t.is(received.length, 8, 'nothing twice');
});

test('messages older than the history are reported as a gap event, never silently missing', async (t) => {
  const { harness, proxy } = await behindProxy(t, { history: new MemoryHistoryStore({ maxMessages: 3 }) });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  const received = collect(alice, 'message');
  const first = await bob.send('seen', { room: 'lobby' });
  await received.atLeast(1);

  proxy.refuse(true);
  const lost = nextEvent(harness.server, 'suspend');
  proxy.cut();
  await lost;
  const missed: ChatMessage[] = [];
  for (let index = 0; index < 10; index++) missed.push(await bob.send(`missed ${index}`, { room: 'lobby' }));
  const gap = nextEvent(alice, 'gap');
  proxy.refuse(false);

  t.deepEqual(await gap, { room: 'lobby', after: first.seq, next: missed[7]!.seq });
  await received.atLeast(4);
  t.deepEqual(
    received.map((message) => message.text),
    ['seen', 'missed 7', 'missed 8', 'missed 9'],
  );
});

test('after the grace period the client comes back as a new session, in the same rooms', async (t) => {
  const { harness, proxy } = await behindProxy(t, { resumeGraceMs: 100 });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  await alice.join('side');
  await bob.join('side');
  proxy.refuse(true);
  const left = nextEvent(harness.server, 'disconnect', (event) => event.user === 'alice');
  proxy.cut();
  await left;
  const back = nextEvent(alice, 'connect');
  proxy.refuse(false);
  const info = await back;
  t.false(info.resumed);
  t.deepEqual(alice.joined.sort(), ['lobby', 'side']);
  t.deepEqual((await bob.users('side')).sort(), ['alice', 'bob']);
  const arrives = nextMessage(alice, (message) => message.text === 'welcome back');
  await bob.send('welcome back', { room: 'side' });
  await arrives;
});

test('a reconnection refused for good (the name was taken meanwhile) stops with an error event and fails what was queued', async (t) => {
  const { harness, proxy } = await behindProxy(t, { resumeGraceMs: 50 });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  proxy.refuse(true);
  const left = nextEvent(harness.server, 'disconnect', (event) => event.user === 'alice');
  proxy.cut();
  await left;
  const queued = alice.send('lost', { room: 'lobby' });
  await harness.connect('alice');
  const failed = nextEvent(alice, 'error');
  proxy.refuse(false);
  t.is((await failed).code, 'ERR_NAME_TAKEN');
  t.is(alice.state, 'idle');
  t.is((await t.throwsAsync<PieChatError>(queued)).code, 'ERR_NAME_TAKEN');
  const attempts = proxy.accepted;
  await sleep(100);
  t.is(proxy.accepted, attempts, 'no more attempts');
});

test('reconnecting reports each attempt with a growing, capped, jittered delay', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: { initialDelayMs: 10, maxDelayMs: 40, factor: 2, jitter: 0 } });
  const attempts = collect(alice, 'reconnecting');
  proxy.refuse(true);
  proxy.cut();
  await attempts.atLeast(5);
  proxy.refuse(false);
  await nextEvent(alice, 'connect');
  t.deepEqual(
    attempts.slice(0, 5).map(({ attempt, delayMs }) => [attempt, delayMs]),
    [
      [1, 10],
      [2, 20],
      [3, 40],
      [4, 40],
      [5, 40],
    ],
  );
  t.is(attempts[1]!.error?.code, 'ERR_NOT_CONNECTED');
});

test('maxAttempts: the client gives up with an error event and goes idle', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: { initialDelayMs: 5, maxAttempts: 2 } });
  proxy.refuse(true);
  const failed = nextEvent(alice, 'error');
  proxy.cut();
  t.is((await failed).code, 'ERR_NOT_CONNECTED');
  t.is(alice.state, 'idle');
  t.is((await t.throwsAsync<PieChatError>(alice.send('x', { room: 'lobby' }))).code, 'ERR_NOT_CONNECTED');
});

test('with reconnect off, a lost connection ends the client: disconnect says so, sends fail at once', async (t) => {
  const { harness, proxy } = await behindProxy(t);
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: false });
  const bob = await harness.connect('bob');
  const received = collect(alice, 'message');
  const lost = nextEvent(alice, 'disconnect');
  proxy.cut();
  t.like(await lost, { willReconnect: false });
  t.is(alice.state, 'idle');
  t.is((await t.throwsAsync<PieChatError>(alice.send('x', { room: 'lobby' }))).code, 'ERR_NOT_CONNECTED');
  await bob.send('while away', { room: 'lobby' });
  // Connecting again by hand within the grace period resumes the session all the same.
  const info = await alice.connect();
  t.true(info.resumed);
  await received.atLeast(1);
  t.is(received[0]!.text, 'while away');
});

test('server shutdown: clients back off for at least the advised delay instead of storming', async (t) => {
  const harness = await startServer();
  const alice = await harness.connect('alice', { reconnect: { initialDelayMs: 1, jitter: 0.5 } });
  const attempt = nextEvent(alice, 'reconnecting');
  await harness.server.close();
  const { delayMs } = await attempt;
  t.true(delayMs >= 1000, `delay ${delayMs} ms`);
  await alice.close();
});

test('failover: when the first server is gone, the client connects to the next in `servers`', async (t) => {
  const first = await behindProxy(t);
  const second = await startServer();
  t.teardown(() => closeAll(second));
  const alice = await first.harness.connect('alice', {
    port: first.proxy.port,
    servers: [{ host: '127.0.0.1', port: second.port }],
    reconnect: FAST,
  });
  await alice.join('side');
  const bob = await second.connect('bob');
  await bob.join('side');
  first.proxy.refuse(true);
  const moved = nextEvent(alice, 'connect');
  first.proxy.cut();
  const info = await moved;
  t.false(info.resumed, 'another server cannot resume the session');
  t.deepEqual((await bob.users('side')).sort(), ['alice', 'bob'], 'the rooms were joined again');
  const arrives = nextMessage(bob, (message) => message.from === 'alice');
  await alice.send('here now', { room: 'side' });
  t.is((await arrives).text, 'here now');
});

test('client.close() sends what is pending before it leaves, and never reconnects', async (t) => {
  const harness = await startServer();
  t.teardown(() => closeAll(harness));
  const alice = await harness.connect('alice');
  const bob = await harness.connect('bob');
  const received = collect(bob, 'message');
  const sending = Array.from({ length: 20 }, (_, index) => alice.send(`m${index}`, { room: 'lobby' }));
  const reconnects = collect(alice, 'reconnecting');
  await alice.close();
  t.is((await Promise.all(sending)).length, 20);
  await received.atLeast(20);
  t.deepEqual(
    received.map((message) => message.text),
    Array.from({ length: 20 }, (_, index) => `m${index}`),
  );
  t.is(alice.state, 'closed');
  t.is(reconnects.length, 0);
  t.is((await t.throwsAsync<PieChatError>(alice.connect())).code, 'ERR_CLOSED');
});

test('reconnect options and queue bounds are checked with TypeErrors that name them', (t) => {
  const base = { port: 1, name: 'alice' };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ reconnect: { factor: 0.5 } }, /reconnect\.factor/],
    [{ reconnect: { jitter: 2 } }, /reconnect\.jitter/],
    [{ reconnect: { initialDelayMs: -1 } }, /reconnect\.initialDelayMs/],
    [{ reconnect: { maxAttempts: 0 } }, /reconnect\.maxAttempts/],
    [{ reconnect: 'yes' }, /reconnect/],
    [{ servers: [{ host: '127.0.0.1' }] }, /servers/],
    [{ servers: 'x' }, /servers/],
    [{ maxQueuedMessages: -1 }, /maxQueuedMessages/],
    [{ maxQueuedBytes: 1.5 }, /maxQueuedBytes/],
  ];
  for (const [extra, message] of cases) {
    t.throws(() => new ChatClient({ ...base, ...extra } as never), { instanceOf: TypeError, message }, JSON.stringify(extra));
  }
});

test('a queue longer than the server allows in a burst goes out at its rate after the reconnection, none refused', async (t) => {
  const { harness, proxy } = await behindProxy(t, { maxMessagesPerSecond: 100, messageBurst: 20 });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  const received = collect(bob, 'message');
  proxy.refuse(true);
  const lost = nextEvent(alice, 'disconnect');
  proxy.cut();
  await lost;
  const queued = Array.from({ length: 60 }, (_, index) => alice.send(`queued ${index}`, { room: 'lobby' }));
  proxy.refuse(false);
  const sent = await Promise.all(queued);
  t.is(sent.length, 60);
  await received.atLeast(60);
  t.deepEqual(
    received.map((message) => message.text),
    Array.from({ length: 60 }, (_, index) => `queued ${index}`),
  );
});

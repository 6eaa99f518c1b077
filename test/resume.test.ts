import test from 'ava';
import { closeAll, collect, nextEvent, startServer } from './helpers/chat.js';
import { behindProxy, FAST_RECONNECT } from './helpers/behind-proxy.js';
import { RawClient } from './helpers/raw.js';

const FAST = FAST_RECONNECT;

test('a replay larger than the output buffer is cut to its newest messages and the rest reported as a gap; the client stays connected', async (t) => {
  const { harness, proxy } = await behindProxy(t, { maxFrameBytes: 128 * 1024, maxOutputBufferBytes: 1024 * 1024, maxMessagesPerSecond: 0 });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: FAST });
  const bob = await harness.connect('bob');
  const received = collect(alice, 'message');
  const kicks = collect(harness.server, 'slow-consumer');
  const seen = await bob.send('seen', { room: 'lobby' });
  await received.atLeast(1);

  proxy.refuse(true);
  const lost = nextEvent(harness.server, 'suspend');
  proxy.cut();
  await lost;
  const text = 'x'.repeat(4000);
  let last = seen.seq;
  for (let index = 0; index < 500; index++) last = (await bob.send(`${index} ${text}`, { room: 'lobby' })).seq;
  const gap = nextEvent(alice, 'gap');
  const back = nextEvent(alice, 'connect');
  proxy.refuse(false);

  const { room, after, next } = await gap;
  t.true((await back).resumed);
  t.is(room, 'lobby');
  t.is(after, seen.seq);
  t.true(next > seen.seq + 1 && next <= last, `replay resumes at ${next}`);
  const replayed = last - next + 1;
  await received.atLeast(1 + replayed);
  t.deepEqual(
    received.slice(1).map((message) => message.seq),
    Array.from({ length: replayed }, (_, index) => next + index),
    'the newest messages, in order, without a hole after the gap',
  );
  t.true(replayed * 4000 <= 512 * 1024, `${replayed} messages fit half the output buffer`);
  t.deepEqual(kicks, []);
  t.true(alice.connected);
});

test('private messages of a session are not replayed to a new session that takes the same name', async (t) => {
  const { harness, proxy } = await behindProxy(t, { resumeGraceMs: 200 });
  const alice = await harness.connect('alice', { port: proxy.port, reconnect: false });
  const bob = await harness.connect('bob');
  const before = await bob.send('hi alice', { to: 'alice' });
  const lost = nextEvent(harness.server, 'suspend');
  proxy.cut();
  await lost;
  await bob.send('secret for alice', { to: 'alice' });
  await nextEvent(harness.server, 'disconnect', (event) => event.user === 'alice');
  t.is(alice.state, 'idle');

  // Someone else connects as "alice" and asks for her inbox from the start.
  const impostor = await RawClient.open(harness.port);
  t.teardown(() => impostor.close());
  impostor.send({ t: 'hello', name: 'alice', resume: { rooms: { lobby: 0 }, inbox: 0 } });
  const welcome = await impostor.waitFor((frame) => frame.json?.t === 'welcome');
  t.false(welcome.json!.resumed);
  t.is(welcome.json!.inbox, before.seq + 1, 'its inbox starts after what was sent to the old session');
  await bob.send('room message', { room: 'lobby' });
  await impostor.waitFor((frame) => frame.json?.t === 'msg' && frame.json.text === 'room message');
  const privates = impostor.frames.filter((frame) => frame.json?.t === 'msg' && frame.json.to !== undefined);
  t.deepEqual(privates, [], 'no private message of the old session');
});

test('a client resuming against another numbering (the history was lost) gets what the server has, with a reset gap', async (t) => {
  // Alice is on server A, then fails over to server B, whose room has its own numbering.
  const first = await behindProxy(t);
  const second = await startServer();
  t.teardown(() => closeAll(second));
  const alice = await first.harness.connect('alice', { port: first.proxy.port, servers: [{ host: '127.0.0.1', port: second.port }], reconnect: FAST });
  const received = collect(alice, 'message');
  const bob = await first.harness.connect('bob');
  for (let index = 0; index < 5; index++) await bob.send(`A${index}`, { room: 'lobby' });
  await received.atLeast(5);
  const carol = await second.connect('carol');
  for (let index = 0; index < 7; index++) await carol.send(`B${index}`, { room: 'lobby' });

  first.proxy.refuse(true);
  const gap = nextEvent(alice, 'gap');
  const moved = nextEvent(alice, 'connect');
  first.proxy.cut();
  t.false((await moved).resumed);
  t.deepEqual(await gap, { room: 'lobby', after: 5, next: 1, reset: true });
  await received.atLeast(12);
  t.deepEqual(
    received.map((message) => message.text),
    ['A0', 'A1', 'A2', 'A3', 'A4', 'B0', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6'],
  );
  const arrives = nextEvent(alice, 'message');
  await carol.send('B7', { room: 'lobby' });
  t.is((await arrives).text, 'B7');
});

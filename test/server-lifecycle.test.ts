import test from 'ava';
import { ChatServer, PieChatError } from '../lib/index.js';
import { FrameType } from '../lib/protocol/constants.js';
import { encodeFrame } from '../lib/protocol/encoder.js';
import { collect, nextEvent, startServer, withServer } from './helpers/chat.js';
import { RawClient } from './helpers/raw.js';

test('server.close() tells every client, and every leave and disconnect is emitted before it resolves', async (t) => {
  const harness = await startServer();
  const [alice, bob] = await Promise.all([harness.connect('alice'), harness.connect('bob')]);
  const leaves = collect(harness.server, 'leave');
  const disconnects = collect(harness.server, 'disconnect');
  const aliceGone = nextEvent(alice, 'disconnect');
  await harness.server.close();
  t.deepEqual(
    disconnects.map((event) => `${event.user}:${event.reason}`).sort(),
    ['alice:shutdown', 'bob:shutdown'],
  );
  t.is(leaves.length, 2);
  t.like(await aliceGone, { reason: 'shutdown', willReconnect: true });
  t.false(harness.server.listening);
  const error = await t.throwsAsync(harness.server.listen(0), { instanceOf: PieChatError });
  t.is(error?.code, 'ERR_CLOSED');
  await Promise.all([alice.close(), bob.close()]);
});

test('client.close() emits disconnect with reason disconnected, as the server reports it', (t) =>
  withServer(t, async ({ connect }) => {
    const alice = await connect('alice');
    const gone = nextEvent(alice, 'disconnect');
    await alice.close();
    t.deepEqual(await gone, { reason: 'disconnected', willReconnect: false });
    t.is(alice.state, 'closed');
  }));

test('a failed listen() rejects once with the system error, and can be tried again', async (t) => {
  const first = new ChatServer();
  const { port } = await first.listen(0, '127.0.0.1');
  const second = new ChatServer();
  const errors = collect(second, 'error');
  const error = await t.throwsAsync(second.listen(port, '127.0.0.1'));
  t.is((error as NodeJS.ErrnoException).code, 'EADDRINUSE');
  t.deepEqual(errors, []);
  const address = await second.listen(0, '127.0.0.1');
  t.true(address.port > 0);
  await Promise.all([first.close(), second.close()]);
});

test('options are checked at the boundary with TypeErrors that name the option', (t) => {
  t.throws(() => new ChatServer({ port: -1 }), { instanceOf: TypeError, message: /`port`/ });
  t.throws(() => new ChatServer({ rooms: ['a', 'b', 'c'], maxRoomsPerUser: 2 }), { instanceOf: TypeError, message: /maxRoomsPerUser/ });
  t.throws(() => new ChatServer({ rooms: ['bad room'] }), { instanceOf: TypeError, message: /rooms/ });
  t.throws(() => new ChatServer({ maxMessageBytes: 500_000 }), { instanceOf: TypeError, message: /maxFrameBytes/ });
  t.throws(() => new ChatServer({ lineMode: 'yes' as never }), { instanceOf: TypeError, message: /`lineMode`/ });
  t.throws(() => new ChatServer('9009' as never), { instanceOf: TypeError });
  const server = new ChatServer();
  t.throws(() => server.broadcast('hi', { room: 5 as never }), { instanceOf: TypeError });
  t.throws(() => server.listen('80' as never), { instanceOf: TypeError });
});

test('limits are refusals, not protocol errors: long texts, long names, messages to oneself', (t) =>
  withServer(
    t,
    async ({ port, connect, client }) => {
      const alice = await connect('alice');
      const raw = await RawClient.open(port, 'mallory');
      raw.send({ t: 'send', r: 7, text: 'x'.repeat(5_000), room: 'lobby' });
      const refused = await raw.waitFor((frame) => frame.json?.r === 7);
      t.like(refused.json, { t: 'err', code: 'ERR_MESSAGE_TOO_LONG' });
      raw.write(encodeFrame(FrameType.Ping, Buffer.from('still')));
      await t.notThrowsAsync(raw.waitFor((frame) => frame.type === FrameType.Pong), 'the connection stays');
      raw.close();

      const longName = await t.throwsAsync(client('n'.repeat(300)).connect(), { instanceOf: PieChatError });
      t.is(longName?.code, 'ERR_INVALID_NAME');
      const toSelf = await t.throwsAsync(alice.send('note', { to: 'ALICE' }), { instanceOf: PieChatError });
      t.is(toSelf?.code, 'ERR_INVALID_MESSAGE');
      await t.throwsAsync(alice.join(42 as never), { instanceOf: TypeError });
    },
    { maxMessageBytes: 1_000 },
  ));

test('a throwing listener is reported as an error event and changes nothing else', (t) =>
  withServer(t, async ({ server, connect }) => {
    const errors = collect(server, 'error');
    server.on('message', () => {
      throw new Error('listener bug');
    });
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    const received = nextEvent(bob, 'message');
    const sent = await alice.send('hi', { room: 'lobby' });
    t.is(sent.seq, 1, 'the sender still gets its acknowledgement');
    t.is((await received).text, 'hi');
    t.is(errors.length, 1);
    t.is(errors[0]!.code, 'ERR_INTERNAL');
    t.regex(errors[0]!.message, /listener bug/);
  }));

test('close() during a pending listen() settles it with ERR_CLOSED and leaves nothing bound', async (t) => {
  const server = new ChatServer();
  const listening = server.listen(0, '127.0.0.1');
  const closed = server.close();
  const error = await t.throwsAsync(listening, { instanceOf: PieChatError });
  t.is(error?.code, 'ERR_CLOSED');
  await closed;
  t.false(server.listening);
  t.is(server.address(), undefined);
});

test('client.close() during connect() abandons the attempt with ERR_CLOSED', (t) =>
  withServer(t, async ({ client }) => {
    const alice = client('alice');
    const connecting = alice.connect();
    await alice.close();
    const error = await t.throwsAsync(connecting, { instanceOf: PieChatError });
    t.is(error?.code, 'ERR_CLOSED');
  }));

test('a long unknown recipient is refused with ERR_UNKNOWN_USER, not a protocol error', (t) =>
  withServer(t, async ({ connect }) => {
    const alice = await connect('alice');
    const error = await t.throwsAsync(alice.send('x', { to: 'x'.repeat(5_000) }), { instanceOf: PieChatError });
    t.is(error?.code, 'ERR_UNKNOWN_USER');
    t.true(error!.message.length < 200);
    t.true(alice.connected);
  }));

test('what a join listener does reaches the new client after its welcome', (t) =>
  withServer(t, async ({ server, client }) => {
    server.on('join', ({ user, room }) => server.broadcast(`welcome ${user}`, { room }));
    const alice = client('alice');
    const order: string[] = [];
    alice.on('connect', () => order.push('connect'));
    alice.on('message', (message) => order.push(message.text));
    const greeted = nextEvent(alice, 'message');
    await alice.connect();
    await greeted;
    t.deepEqual(order, ['connect', 'welcome alice']);
  }));

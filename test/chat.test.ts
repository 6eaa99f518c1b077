import test from 'ava';
import { ChatClient, PieChatError, type ChatMessage } from '../lib/index.js';
import { collect, nextEvent, withServer } from './helpers/chat.js';

test('everyone starts in lobby; join events reach the room and the server', (t) =>
  withServer(t, async ({ server, connect }) => {
    const serverJoins = collect(server, 'join');
    const alice = await connect('alice');
    t.deepEqual(alice.joined, ['lobby']);
    const seen = nextEvent(alice, 'join');
    const bob = await connect('bob');
    t.deepEqual(await seen, { room: 'lobby', user: 'bob' });
    t.deepEqual(serverJoins, [
      { room: 'lobby', user: 'alice' },
      { room: 'lobby', user: 'bob' },
    ]);
    t.deepEqual(await bob.users('lobby'), ['alice', 'bob']);
    t.deepEqual(server.rooms(), [{ name: 'lobby', users: ['alice', 'bob'] }]);
  }));

test('room messages reach every other member in send order, and send() resolves with the stamped message', (t) =>
  withServer(t, async ({ server, connect }) => {
    const [alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')]);
    const atBob = collect(bob, 'message');
    const atCarol = collect(carol, 'message');
    const atAlice = collect(alice, 'message');
    const atServer = collect(server, 'message');
    const texts = Array.from({ length: 200 }, (_, index) => `message ${index}`);
    const acks = await Promise.all(texts.map((text) => alice.send(text, { room: 'lobby' })));
    await atCarol.atLeast(200);
    await atBob.atLeast(200);
    t.deepEqual(
      acks.map((ack) => ack.seq),
      texts.map((_, index) => index + 1),
    );
    t.true(acks.every((ack, index) => ack.from === 'alice' && ack.room === 'lobby' && ack.text === texts[index] && typeof ack.id === 'string' && ack.at > 0));
    t.deepEqual(atBob, acks);
    t.deepEqual(atCarol, acks);
    t.deepEqual(atServer, acks);
    t.deepEqual(atAlice, [], 'the sender is not echoed its own messages');
  }));

test('a private message reaches only its recipient', (t) =>
  withServer(t, async ({ connect }) => {
    const [alice, bob, carol] = await Promise.all([connect('alice'), connect('bob'), connect('carol')]);
    const atCarol = collect(carol, 'message');
    const received = nextEvent(bob, 'message');
    const sent = await alice.send('psst', { to: 'BOB' });
    t.like(sent, { to: 'bob', from: 'alice', text: 'psst', seq: 1 });
    t.deepEqual(await received, sent);
    await alice.send('public', { room: 'lobby' });
    await atCarol.atLeast(1);
    t.deepEqual(
      atCarol.map((message) => message.text),
      ['public'],
    );
  }));

test('names are unique case-insensitively and validated', (t) =>
  withServer(t, async ({ connect, client }) => {
    await connect('alice');
    for (const [name, code] of [
      ['ALICE', 'ERR_NAME_TAKEN'],
      ['Server', 'ERR_NAME_TAKEN'],
      ['has space', 'ERR_INVALID_NAME'],
      ['bell\u0007', 'ERR_INVALID_NAME'],
      ['x'.repeat(33), 'ERR_INVALID_NAME'],
    ] as const) {
      const error = await t.throwsAsync(client(name).connect(), { instanceOf: PieChatError }, name);
      t.is(error?.code, code, name);
    }
    t.throws(() => new ChatClient({ name: '' }), { instanceOf: TypeError });
  }));

test('the server stamps `from`: a client cannot speak as another', (t) =>
  withServer(t, async ({ connect }) => {
    const [mallory, bob] = await Promise.all([connect('mallory'), connect('bob')]);
    const received = nextEvent(bob, 'message');
    await mallory.send('I am alice', { room: 'lobby', from: 'alice' } as never);
    t.is((await received).from, 'mallory');
  }));

test('typed rejections: not in room, unknown user, too long, not connected, bad arguments', async (t) =>
  withServer(
    t,
    async ({ connect, client }) => {
      const alice = await connect('alice');
      const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> =>
        (await t.throwsAsync(promise, { instanceOf: PieChatError }))?.code;
      t.is(await codeOf(alice.send('hi', { room: 'dev' })), 'ERR_NOT_IN_ROOM');
      t.is(await codeOf(alice.send('hi', { to: 'nobody' })), 'ERR_UNKNOWN_USER');
      t.is(await codeOf(alice.send('x'.repeat(101), { room: 'lobby' })), 'ERR_MESSAGE_TOO_LONG');
      t.is(await codeOf(alice.leave('dev')), 'ERR_NOT_IN_ROOM');
      t.is(await codeOf(alice.join('bad room')), 'ERR_INVALID_ROOM');
      t.is(await codeOf(client('bob').send('hi', { room: 'lobby' })), 'ERR_NOT_CONNECTED');
      await t.throwsAsync(alice.send(42 as unknown as string, { room: 'lobby' }), { instanceOf: TypeError });
      await t.throwsAsync(alice.send('hi', {} as never), { instanceOf: TypeError });
      await t.throwsAsync(alice.send('hi', { room: 'lobby', to: 'bob' } as never), { instanceOf: TypeError });
      await alice.close();
      t.is(await codeOf(alice.send('hi', { room: 'lobby' })), 'ERR_CLOSED');
    },
    { maxMessageBytes: 100 },
  ));

test('joining and leaving rooms: events to members, limits enforced', (t) =>
  withServer(
    t,
    async ({ server, connect }) => {
      const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
      t.deepEqual(await alice.join('dev'), ['alice']);
      const joined = nextEvent(alice, 'join', (event) => event.room === 'dev');
      t.deepEqual(await bob.join('dev'), ['alice', 'bob']);
      t.deepEqual(await joined, { room: 'dev', user: 'bob' });
      const left = nextEvent(alice, 'leave', (event) => event.room === 'dev');
      await bob.leave('dev');
      t.deepEqual(await left, { room: 'dev', user: 'bob', reason: 'left' });
      t.deepEqual(bob.joined, ['lobby']);
      const error = await t.throwsAsync(alice.join('third'), { instanceOf: PieChatError });
      t.is(error?.code, 'ERR_TOO_MANY_ROOMS');
      t.deepEqual(
        server.users().map((user) => [user.name, user.rooms]),
        [
          ['alice', ['lobby', 'dev']],
          ['bob', ['lobby']],
        ],
      );
    },
    { maxRoomsPerUser: 2 },
  ));

test("a disconnect sends leave with a reason for each of the user's rooms", (t) =>
  withServer(t, async ({ server, connect }) => {
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    await alice.join('dev');
    await bob.join('dev');
    const leaves = collect(alice, 'leave');
    const disconnected = nextEvent(server, 'disconnect');
    await bob.close();
    t.deepEqual(await disconnected, { user: 'bob', reason: 'disconnected' });
    await leaves.atLeast(2);
    t.deepEqual(
      leaves.map((event) => `${event.room}:${event.user}:${event.reason}`).sort(),
      ['dev:bob:disconnected', 'lobby:bob:disconnected'],
    );
    t.deepEqual(await alice.users(), ['alice']);
  }));

test('server.broadcast sends system messages; maxClients refuses one more', (t) =>
  withServer(
    t,
    async ({ server, connect, client }) => {
      const alice = await connect('alice');
      const received = nextEvent(alice, 'message');
      const [sent] = server.broadcast('maintenance at noon', { room: 'lobby' });
      const message: ChatMessage = await received;
      t.deepEqual(message, sent);
      t.like(message, { system: true, from: 'server', room: 'lobby', text: 'maintenance at noon' });
      await connect('bob');
      const error = await t.throwsAsync(client('carol').connect(), { instanceOf: PieChatError });
      t.is(error?.code, 'ERR_SERVER_FULL');
      t.throws(() => server.broadcast(''), { instanceOf: TypeError });
    },
    { maxClients: 2 },
  ));

test('kick disconnects a user with reason kicked', (t) =>
  withServer(t, async ({ server, connect }) => {
    const [alice, bob] = await Promise.all([connect('alice'), connect('bob')]);
    const left = nextEvent(alice, 'leave');
    const gone = nextEvent(bob, 'disconnect');
    t.true(server.kick('bob', 'be nice'));
    t.false(server.kick('nobody'));
    t.is((await left).reason, 'kicked');
    t.is((await gone).reason, 'kicked');
  }));

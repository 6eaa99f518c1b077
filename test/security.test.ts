import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ChatServer, type PieChatError, type AuthorizeAction, type AuthRequest } from '../lib/index.js';
import { FrameType } from '../lib/protocol/constants.js';
import { encodeFrame } from '../lib/protocol/encoder.js';
import { closeAll, collect, nextEvent, startServer, withServer } from './helpers/chat.js';
import { temporaryDirectory } from './helpers/files.js';
import { LineClient } from './helpers/line.js';
import { FaultProxy } from './helpers/proxy.js';
import { RawClient } from './helpers/raw.js';
import { nextMessage } from './helpers/wait.js';

const TOKENS: Record<string, string> = { alice: 'token-a', bob: 'token-b' };

/** Admits users whose token matches, after a moment (hooks may be async); marks bob an admin. */
async function tokenCheck(request: AuthRequest): Promise<boolean | { allow: true; data: { admin: boolean } }> {
  await sleep(5);
  if (request.mode === 'line') return false;
  if (request.token === undefined || TOKENS[request.name] !== request.token) return false;
  return { allow: true, data: { admin: request.name === 'bob' } };
}

test('wrong credentials: connect() rejects with ERR_AUTH, the client does not retry, and the others chat on', (t) =>
  withServer(
    t,
    async ({ client, connect }) => {
      const alice = await connect('alice', { token: 'token-a' });
      const bob = await connect('bob', { token: 'token-b' });
      for (const options of [{ token: 'token-b' }, {}, { password: 'token-a' }]) {
        const impostor = client('alice', options);
        const attempts = collect(impostor, 'reconnecting');
        const error = await t.throwsAsync<PieChatError>(impostor.connect());
        t.is(error.code, 'ERR_AUTH');
        t.is(impostor.state, 'idle');
        t.deepEqual(attempts, []);
      }
      const mallory = client('mallory', { token: 'whatever' });
      t.is((await t.throwsAsync<PieChatError>(mallory.connect())).code, 'ERR_AUTH');
      const arrives = nextMessage(bob, (message) => message.from === 'alice');
      await alice.send('still here', { room: 'lobby' });
      t.is((await arrives).text, 'still here');
    },
    { authenticate: tokenCheck },
  ));

test('authenticate runs again when a session resumes, and a line-mode user it refuses is told and closed', async (t) => {
  const requests: AuthRequest[] = [];
  const harness = await startServer({ authenticate: (request) => (requests.push(request), tokenCheck(request)) });
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(async () => {
    await proxy.close();
    await closeAll(harness);
  });
  const alice = await harness.connect('alice', { token: 'token-a', port: proxy.port, reconnect: { initialDelayMs: 5 } });
  const back = nextEvent(alice, 'connect');
  proxy.cut();
  t.true((await back).resumed);
  t.deepEqual(
    requests.map(({ name, token, resuming }) => ({ name, token, resuming })),
    [
      { name: 'alice', token: 'token-a', resuming: false },
      { name: 'alice', token: 'token-a', resuming: true },
    ],
  );
  const line = await LineClient.open(harness.port);
  t.teardown(() => line.close());
  await line.waitForLine(/name/i);
  line.type('carol');
  await line.waitForLine(/Authentication failed, bye/);
  await line.closed;
  t.like(requests.at(-1), { name: 'carol', mode: 'line' });
  t.deepEqual(
    harness.server.users().map((user) => user.name),
    ['alice'],
  );
});

test('a throwing or nonsensical authenticate hook refuses with ERR_AUTH and is reported as an error event', (t) =>
  withServer(
    t,
    async ({ server, client }) => {
      const errors = collect(server, 'error');
      t.is((await t.throwsAsync<PieChatError>(client('boom').connect())).code, 'ERR_AUTH');
      t.is((await t.throwsAsync<PieChatError>(client('odd').connect())).code, 'ERR_AUTH');
      await errors.atLeast(2);
      t.true(errors.every((error) => error.code === 'ERR_INTERNAL'));
      t.deepEqual(server.users(), []);
    },
    {
      authenticate: (request) => {
        if (request.name === 'boom') throw new Error('database down');
        return 'yes' as never;
      },
    },
  ));

test('authorize: a user may not join, send to or upload into a room it is refused, nor download what the defaults forbid; line users obey too', async (t) => {
  const actions: AuthorizeAction[] = [];
  const harness = await startServer({
    rooms: ['lobby'],
    storage: await temporaryDirectory(t),
    authenticate: tokenCheck,
    authorize: (action) => {
      actions.push(action);
      const admin = action.user.data?.admin === true;
      if (action.type === 'join' && action.room === 'staff') return admin;
      if (action.type === 'send' && action.room === 'announcements') return admin;
      if (action.type === 'upload' && action.room === 'announcements') return admin;
      return action.allowed;
    },
  });
  t.teardown(() => closeAll(harness));
  const alice = await harness.connect('alice', { token: 'token-a' });
  const bob = await harness.connect('bob', { token: 'token-b' });
  t.deepEqual(await bob.join('staff'), ['bob']);
  t.is((await t.throwsAsync<PieChatError>(alice.join('staff'))).code, 'ERR_FORBIDDEN');
  t.false(alice.joined.includes('staff'));
  await alice.join('announcements');
  await bob.join('announcements');
  t.is((await t.throwsAsync<PieChatError>(alice.send('hear me', { room: 'announcements' }))).code, 'ERR_FORBIDDEN');
  const upload = alice.sendFile(Buffer.from('x'), { room: 'announcements', name: 'x.txt' });
  t.is((await t.throwsAsync<PieChatError>(upload)).code, 'ERR_FORBIDDEN');
  const heard = nextMessage(alice, (message) => message.room === 'announcements');
  await bob.send('news', { room: 'announcements' });
  t.is((await heard).text, 'news');
  // The default rules for files still apply through the hook: staff files are for staff.
  const file = await bob.sendFile(Buffer.from('minutes'), { room: 'staff', name: 'minutes.txt' });
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  t.is((await t.throwsAsync<PieChatError>(alice.download(file.id, sink))).code, 'ERR_FORBIDDEN');
  const download = actions.find((action) => action.type === 'download');
  t.like(download, { type: 'download', allowed: false, user: { name: 'alice', mode: 'binary', data: { admin: false } } });
  t.true(actions.some((action) => action.type === 'upload' && action.name === 'minutes.txt' && action.size === 7));
  t.true(alice.connected, 'refusals keep the connection');
});

test('authorize applies to line-mode users: /join of a refused room is an error, not a join', (t) =>
  withServer(
    t,
    async ({ port, server }) => {
      const line = await LineClient.login(port, 'dave');
      t.teardown(() => line.close());
      line.type('/join staff');
      await line.waitForLine(/Not allowed to join "staff"/);
      t.deepEqual(server.users()[0]!.rooms, ['lobby']);
      line.type('/join garden');
      await line.waitForLine(/garden/);
      t.deepEqual(server.users()[0]!.rooms.sort(), ['garden', 'lobby']);
    },
    { authorize: (action) => !(action.type === 'join' && action.room === 'staff') },
  ));

test('a flood of messages is cut to the rate limit with ERR_RATE_LIMITED; the connection stays and recovers', (t) =>
  withServer(
    t,
    async ({ connect }) => {
      const flooder = await connect('flooder');
      const bob = await connect('bob');
      const received = collect(bob, 'message');
      const outcomes = await Promise.allSettled(Array.from({ length: 100 }, (_, index) => flooder.send(`spam ${index}`, { room: 'lobby' })));
      const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as PieChatError] : []));
      t.true(accepted.length >= 20 && accepted.length < 30, `${accepted.length} accepted`);
      t.true(refused.every((error) => error.code === 'ERR_RATE_LIMITED'));
      t.regex(refused[0]!.message, /at most 20 per second/);
      t.true(flooder.connected);
      await sleep(300);
      await flooder.send('after a pause', { room: 'lobby' });
      await received.atLeast(accepted.length + 1);
      t.is(received.at(-1)!.text, 'after a pause');
      t.is(flooder.limits?.maxMessagesPerSecond, 20, 'the limit is advertised');
    },
    { maxMessagesPerSecond: 20, messageBurst: 20 },
  ));

test('a flood of connections from one address is refused past the limit with ERR_RATE_LIMITED; binary and line users are told', (t) =>
  withServer(
    t,
    async ({ port, client, connect }) => {
      const bob = await connect('bob');
      const idle = await Promise.all([RawClient.open(port), RawClient.open(port), RawClient.open(port)]);
      const refused = client('alice', { reconnect: false });
      const error = await t.throwsAsync<PieChatError>(refused.connect());
      t.is(error.code, 'ERR_RATE_LIMITED');
      t.regex(error.message, /Too many connections from/);
      const line = await LineClient.open(port);
      t.teardown(() => line.close());
      await line.waitForLine(/Too many connections/);
      for (const raw of idle) raw.close();
      await sleep(50);
      await refused.connect();
      const arrives = nextMessage(bob, (message) => message.from === 'alice');
      await refused.send('in at last', { room: 'lobby' });
      t.is((await arrives).text, 'in at last');
    },
    { maxConnectionsPerAddress: 4, lineModeDelayMs: 20 },
  ));

test('slowloris: a peer that trickles a frame byte by byte is closed with ERR_TIMEOUT; a good client is unaffected', (t) =>
  withServer(
    t,
    async ({ server, port, connect }) => {
      const bob = await connect('bob');
      const errors = collect(server, 'client-error');
      const raw = await RawClient.open(port, 'trickler');
      const frame = encodeFrame(FrameType.Control, Buffer.from(JSON.stringify({ t: 'send', r: 1, room: 'lobby', text: 'x'.repeat(200) })));
      let sent = 0;
      const trickle = setInterval(() => {
        if (sent < frame.length && !raw.socket.destroyed) raw.write(frame.subarray(sent, ++sent));
      }, 20);
      t.teardown(() => clearInterval(trickle));
      const refusal = await raw.waitFor((received) => received.json?.t === 'err', 5_000);
      t.is(refusal.json!.code, 'ERR_TIMEOUT');
      await raw.closed;
      t.true(sent < frame.length, 'closed before the frame was complete');
      await errors.atLeast(1);
      t.is(errors[0]!.error.code, 'ERR_TIMEOUT');
      const line = await LineClient.login(port, 'slowtyper');
      t.teardown(() => line.close());
      line.socket.write('hel');
      await line.waitForLine(/Line not finished in time/);
      t.true(bob.connected);
      await bob.send('fine', { room: 'lobby' });
    },
    { heartbeatIntervalMs: 50, frameTimeoutMs: 300, resumeGraceMs: 0 },
  ));

test('uploads over maxUploadBytesPerSecond are slowed down by credit, not refused', async (t) => {
  const harness = await startServer({ maxUploadBytesPerSecond: 2 * 1024 * 1024, storage: await temporaryDirectory(t) });
  t.teardown(() => closeAll(harness));
  const alice = await harness.connect('alice');
  const started = Date.now();
  const file = await alice.sendFile(Buffer.alloc(4 * 1024 * 1024, 1), { room: 'lobby', name: 'paced.bin' });
  const elapsed = Date.now() - started;
  t.is(file.size, 4 * 1024 * 1024);
  // One second's worth (2 MiB) may go at once, the other 2 MiB at 2 MiB/s: at least ~1 s.
  t.true(elapsed >= 800, `took ${elapsed} ms`);
  t.is(alice.limits?.maxUploadBytesPerSecond, 2 * 1024 * 1024);
});

test('security options are checked with TypeErrors that name them', (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ tls: 'yes' }, /tls/],
    [{ tls: { cert: 'x' } }, /key/],
    [{ authenticate: 'open sesame' }, /authenticate/],
    [{ authorize: {} }, /authorize/],
    [{ maxMessagesPerSecond: -1 }, /maxMessagesPerSecond/],
    [{ messageBurst: 0 }, /messageBurst/],
    [{ maxUploadBytesPerSecond: 1.5 }, /maxUploadBytesPerSecond/],
    [{ maxConnectionsPerAddress: 0 }, /maxConnectionsPerAddress/],
    [{ frameTimeoutMs: -5 }, /frameTimeoutMs/],
    [{ frameTimeoutMs: 1_000, heartbeatIntervalMs: 5_000 }, /frameTimeoutMs.*heartbeatIntervalMs/],
  ];
  for (const [options, message] of cases) t.throws(() => new ChatServer(options as never), { instanceOf: TypeError, message }, JSON.stringify(options));
});

test('authorize also filters file lists; a hook that answers something else than a boolean refuses and is reported', async (t) => {
  const harness = await startServer({
    storage: await temporaryDirectory(t),
    authorize: (action) => {
      if (action.type === 'download') return action.allowed && !action.file.name.startsWith('secret');
      if (action.type === 'join' && action.room === 'odd') return 'yes' as never;
      return action.allowed;
    },
  });
  t.teardown(() => closeAll(harness));
  const errors = collect(harness.server, 'error');
  const alice = await harness.connect('alice');
  const bob = await harness.connect('bob');
  await alice.sendFile(Buffer.from('a'), { room: 'lobby', name: 'public.txt' });
  await alice.sendFile(Buffer.from('b'), { room: 'lobby', name: 'secret.txt' });
  t.deepEqual(
    (await bob.files({ room: 'lobby' })).map((file) => file.name),
    ['public.txt'],
  );
  t.is((await t.throwsAsync<PieChatError>(bob.join('odd'))).code, 'ERR_FORBIDDEN');
  await errors.atLeast(1);
  t.regex(errors[0]!.message, /not a boolean/);
});

test('refused connections are reported as client-error events', (t) =>
  withServer(
    t,
    async ({ server, port }) => {
      const reported = collect(server, 'client-error');
      const first = await RawClient.open(port, 'first');
      const second = await RawClient.open(port);
      const refusal = await second.waitFor((frame) => frame.json?.t === 'err');
      t.is(refusal.json!.code, 'ERR_RATE_LIMITED');
      await reported.atLeast(1);
      t.is(reported[0]!.error.code, 'ERR_RATE_LIMITED');
      first.close();
      second.close();
    },
    { maxConnectionsPerAddress: 1 },
  ));

test('a line-mode paste whose chunks all end mid-line is not mistaken for a trickle', (t) =>
  withServer(
    t,
    async ({ port, connect }) => {
      const bob = await connect('bob');
      const received = collect(bob, 'message');
      const line = await LineClient.login(port, 'paster');
      t.teardown(() => line.close());
      // Each chunk ends one line and starts the next: lines keep ending, for longer than the deadline.
      line.socket.write('part 0');
      for (let index = 1; index <= 8; index++) {
        await sleep(60);
        line.socket.write(` end\npart ${index}`);
      }
      line.socket.write(' end\n');
      await received.atLeast(9);
      t.deepEqual(
        received.map((message) => message.text),
        Array.from({ length: 9 }, (_, index) => `part ${index} end`),
      );
      t.false(line.socket.destroyed);
    },
    { heartbeatIntervalMs: 100, frameTimeoutMs: 300 },
  ));

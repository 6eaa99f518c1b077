/**
 * `npm run demo`: a server and two scripted clients, alice and bob, in one process. They connect,
 * meet in a room, chat, whisper, list who is there and leave, while every event the server and
 * each client sees is printed as it happens. Each step waits for the event it causes (never for
 * time), and a safety timer fails the demo rather than let it hang.
 */
import { ChatClient, ChatServer, type ChatMessage } from 'piechat';

const SAFETY_TIMEOUT_MS = 10_000;
setTimeout(() => {
  console.error(`demo: not finished after ${SAFETY_TIMEOUT_MS} ms, giving up`);
  process.exit(1);
}, SAFETY_TIMEOUT_MS).unref();

const started = Date.now();
const print = (who: string, line: string): void => {
  const elapsed = `+${Date.now() - started}ms`.padStart(7);
  console.log(`${elapsed} ${who.padStart(6)} | ${line}`);
};
const step = (title: string): void => console.log(`\n--- ${title}`);
const text = (m: ChatMessage): string => (m.room === undefined ? `(private) ${m.from} -> ${m.to}: ${m.text}` : `[${m.room}] ${m.from}: ${m.text}`);

/** Resolves the next time `client` gets a message matching `accept`; the safety timer covers a miss. */
function nextMessage(client: ChatClient, accept: (m: ChatMessage) => boolean): Promise<ChatMessage> {
  return new Promise((resolve) => {
    const listener = (m: ChatMessage): void => {
      if (!accept(m)) return;
      client.off('message', listener);
      resolve(m);
    };
    client.on('message', listener);
  });
}

/** Resolves the next time `client` sees `user` enter (`join`) or leave (`leave`) `room`. */
function nextPresence(client: ChatClient, event: 'join' | 'leave', user: string, room: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (e: { user: string; room: string }): void => {
      if (e.user !== user || e.room !== room) return;
      client.off(event, listener);
      resolve();
    };
    client.on(event, listener);
  });
}

// The server: a host application would feed these events to its own log, UI or metrics.
const server = new ChatServer();
server.on('connect', (user) => print('server', `${user.name} connected (${user.mode})`));
server.on('join', ({ user, room }) => print('server', `${user} entered ${room}`));
server.on('message', (m) => print('server', text(m)));
server.on('leave', ({ user, room, reason }) => print('server', `${user} left ${room} (${reason})`));
server.on('disconnect', ({ user, reason }) => print('server', `${user} is offline (${reason})`));

// Each client prints what it sees; its own messages come back from send(), not as events.
function watch(client: ChatClient, who: string): ChatClient {
  client.on('connect', (info) => print(who, `connected as ${info.name}, in ${info.rooms.join(', ')}`));
  client.on('message', (m) => print(who, text(m)));
  client.on('join', ({ user, room }) => print(who, `${user} entered ${room}`));
  client.on('leave', ({ user, room, reason }) => print(who, `${user} left ${room} (${reason})`));
  client.on('disconnect', ({ reason }) => print(who, `disconnected (${reason})`));
  return client;
}

try {
  step('a server on an ephemeral port');
  const { port } = await server.listen(0, '127.0.0.1');
  print('server', `listening on 127.0.0.1:${port}`);
  const alice = watch(new ChatClient({ host: '127.0.0.1', port, name: 'alice' }), 'alice');
  const bob = watch(new ChatClient({ host: '127.0.0.1', port, name: 'bob' }), 'bob');

  step('alice and bob connect (everyone starts in lobby)');
  await alice.connect();
  const aliceSeesBob = nextPresence(alice, 'join', 'bob', 'lobby');
  await bob.connect();
  await aliceSeesBob;

  step('both join the room "dev"');
  print('alice', `joined dev with: ${(await alice.join('dev')).join(', ')}`);
  const aliceSeesBobInDev = nextPresence(alice, 'join', 'bob', 'dev');
  print('bob', `joined dev with: ${(await bob.join('dev')).join(', ')}`);
  await aliceSeesBobInDev;

  step('they chat in dev');
  const bobHears = nextMessage(bob, (m) => m.room === 'dev' && m.from === 'alice');
  const sent = await alice.send('hi bob, welcome to dev', { room: 'dev' });
  print('alice', `sent message #${sent.seq} to dev`);
  await bobHears;
  const aliceHears = nextMessage(alice, (m) => m.room === 'dev' && m.from === 'bob');
  await bob.send('thanks alice! shipping the release today', { room: 'dev' });
  await aliceHears;

  step('bob whispers to alice');
  const whisper = nextMessage(alice, (m) => m.to === 'alice' && m.from === 'bob');
  await bob.send('psst: cake in the kitchen', { to: 'alice' });
  await whisper;

  step('who is around?');
  print('alice', `users in dev: ${(await alice.users('dev')).join(', ')}`);
  print('bob', `online: ${(await bob.users()).join(', ')}`);
  for (const room of await alice.rooms()) print('alice', `room ${room.name}: ${room.users.join(', ')}`);

  step('bob leaves dev, then both disconnect');
  const aliceSeesBobLeave = nextPresence(alice, 'leave', 'bob', 'dev');
  await bob.leave('dev');
  print('bob', 'left dev');
  await aliceSeesBobLeave;
  const aliceSeesBobGo = nextPresence(alice, 'leave', 'bob', 'lobby');
  await bob.close();
  await aliceSeesBobGo;
  await alice.close();

  step('the server shuts down');
  await server.close();
  print('server', 'closed');
  console.log('\ndemo finished');
} catch (error) {
  console.error('demo failed:', error);
  process.exit(1);
}
// No clearTimeout(safety): it is unref'd, so it only fires if something still holds the process open.

import test from 'ava';
import { ChatClient } from '../lib/index.js';
import { nextEvent, withServer } from './helpers/chat.js';

/** Counts of active handles and timers by kind, as Node reports them. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

test.serial('200 connect/disconnect cycles leave no sockets, timers or listeners behind', (t) =>
  withServer(t, async ({ server, port, connect }) => {
    await connect('watcher');
    const before = resources();
    const serverListeners = server.eventNames().map((name) => server.listenerCount(name));
    for (let cycle = 0; cycle < 200; cycle++) {
      const client = new ChatClient({ host: '127.0.0.1', port, name: `user${cycle}` });
      await client.connect();
      await client.send(`cycle ${cycle}`, { room: 'lobby' });
      if (cycle % 2 === 0) await client.join(`room${cycle}`);
      const gone = nextEvent(server, 'disconnect', (event) => event.user === `user${cycle}`);
      await client.close();
      await gone;
    }
    const after = resources();
    t.is(after.TCPSocketWrap ?? 0, before.TCPSocketWrap ?? 0, 'sockets');
    t.is(after.Timeout ?? 0, before.Timeout ?? 0, 'timers');
    t.deepEqual(
      server.eventNames().map((name) => server.listenerCount(name)),
      serverListeners,
      'listeners',
    );
    t.deepEqual(server.users().map((user) => user.name), ['watcher']);
    t.deepEqual(server.rooms().map((room) => room.name), ['lobby'], 'rooms emptied by departures are gone');
  }));

/**
 * The smallest embed: a server and two clients in one process, a room message and a private one.
 * Run it with `npm run example:embed` (or `npx tsx examples/embed.ts` after `npm run build`).
 */
import { ChatClient, ChatServer } from 'piechat';

const server = new ChatServer();
server.on('join', ({ user, room }) => console.log(`server: ${user} joined ${room}`));
server.on('message', (m) => console.log(`server: ${m.from} -> ${m.room ?? m.to}: ${m.text}`));
const { port } = await server.listen(0, '127.0.0.1');
console.log(`server: listening on 127.0.0.1:${port}`);

const alice = new ChatClient({ host: '127.0.0.1', port, name: 'alice' });
const bob = new ChatClient({ host: '127.0.0.1', port, name: 'bob' });
await alice.connect(); // every user starts in the server's default room, 'lobby'
await bob.connect();

// Wait for events, not for time: resolves when bob has both messages.
const bobHasBoth = new Promise<void>((resolve) => {
  let count = 0;
  bob.on('message', (m) => {
    console.log(`bob: ${m.room === undefined ? 'privately' : `in ${m.room}`}, ${m.from} says "${m.text}"`);
    if (++count === 2) resolve();
  });
});
await alice.send('hello, lobby', { room: 'lobby' });
await alice.send('psst, bob', { to: 'bob' });
await bobHasBoth;

await Promise.all([alice.close(), bob.close()]);
await server.close();
console.log('done');

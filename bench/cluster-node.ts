// One PieChat node for the cluster benchmark, in its own process: a ChatServer (with a
// RedisAdapter on PIECHAT_REDIS_URL when it is set), limits raised like the main benchmark's.
// Prints `port <n>`; closes when stdin ends.
import { Redis } from 'ioredis';
import { ChatServer, RedisAdapter } from '../lib/index.js';

const url = process.env.PIECHAT_REDIS_URL;
const adapter = url === undefined ? undefined : new RedisAdapter({ connect: () => new Redis(url), prefix: process.env.PIECHAT_PREFIX ?? 'piechat-bench' });
const server = new ChatServer({
  ...(adapter === undefined ? {} : { adapter }),
  rooms: [],
  storage: process.env.PIECHAT_STORAGE!,
  maxClients: 100_000,
  maxConnectionsPerAddress: 100_000,
  maxMessagesPerSecond: 0,
});
const { port } = await server.listen(0, '127.0.0.1');
console.log(`port ${port}`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));

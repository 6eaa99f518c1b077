import { ChatClient, ChatServer, DiskFileStore } from '../../lib/index.js';
import { BENCH_ROOM, type BenchClient, type Peer } from './types.js';

/**
 * PieChat as an application would run it: the defaults, except limits raised for the benchmark's
 * sizes (10,000 connections, 1 GiB files). No default room: chat clients join the benchmark
 * room, idle connections join none (so 10,000 arrivals are not 50 million join announcements).
 */
export const piechat: Peer = {
  name: 'PieChat',

  async startServer({ storage }) {
    const server = new ChatServer({
      rooms: [],
      storage: new DiskFileStore(storage),
      maxClients: 100_000,
      maxFileBytes: 8 * 1024 ** 3,
      quotaBytes: 1024 ** 4,
      ...(process.env.BENCH_WINDOW === undefined ? {} : { transferWindowBytes: Number(process.env.BENCH_WINDOW) }),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    return { port, close: () => server.close() };
  },

  async connect(port, name, mode) {
    const client = new ChatClient({ host: '127.0.0.1', port, name, connectTimeoutMs: 60_000 });
    await client.connect();
    if (mode !== 'idle') await client.join(BENCH_ROOM);
    const target = { room: BENCH_ROOM };
    const ignore = (): void => undefined;
    let lastFile: string | undefined;
    const bench: BenchClient = {
      send(text) {
        client.send(text, target).catch(ignore);
      },
      async roundTrip(text) {
        await client.send(text, target);
      },
      onMessage(handler) {
        client.on('message', (message) => handler(message.text));
      },
      buffered: () => client.bufferedAmount,
      drained: () => (client.bufferedAmount === 0 ? Promise.resolve() : new Promise((resolve) => client.once('drain', resolve))),
      async upload(path) {
        lastFile = (await client.sendFile(path, target)).id;
      },
      async downloadLast(directory) {
        if (lastFile === undefined) throw new Error('nothing uploaded yet');
        await client.download(lastFile, `${directory}/`);
      },
      close: () => client.close(),
    };
    return bench;
  },
};

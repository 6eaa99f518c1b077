import { ChatClient, ChatServer, DiskFileStore } from '../../lib/index.js';
import { BENCH_ROOM, type BenchClient, type Peer, type ServerSetup } from './types.js';

/** Connects a PieChat client and adapts it to the workloads. */
async function connect(port: number, name: string, mode: ServerSetup['mode']): Promise<BenchClient> {
  const client = new ChatClient({ host: '127.0.0.1', port, name, connectTimeoutMs: 60_000 });
  await client.connect();
  if (mode !== 'idle') await client.join(BENCH_ROOM);
  const target = { room: BENCH_ROOM };
  const ignore = (): void => undefined;
  let lastFile: string | undefined;
  return {
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
}

/**
 * PieChat as an application would run it: the defaults, except limits raised for the benchmark's
 * sizes (10,000 connections, 1 GiB files). No default room: chat clients join the benchmark
 * room, idle connections join none (so 10,000 arrivals are not 50 million join announcements).
 */
function piechatPeer(name: string, fsync: boolean, uploadsOnly: boolean): Peer {
  return {
    name,
    uploadsOnly,
    async startServer({ storage }) {
      const server = new ChatServer({
        rooms: [],
        storage: new DiskFileStore(storage, { fsync }),
        maxClients: 100_000,
        // Every benchmark client is on loopback, and they send as fast as they may.
        maxConnectionsPerAddress: 100_000,
        maxMessagesPerSecond: 0,
        maxFileBytes: 8 * 1024 ** 3,
        quotaBytes: 1024 ** 4,
      });
      const { port } = await server.listen(0, '127.0.0.1');
      return { port, close: () => server.close() };
    },
    connect,
  };
}

/** PieChat with its defaults: every file is flushed to the disk before it is announced. */
export const piechat = piechatPeer('PieChat', true, false);

/**
 * PieChat with `DiskFileStore({ fsync: false })`, files kept in the page cache (transfers only): a
 * diagnostic row that shows what the protocol does when the disk's write speed is not the bound.
 */
export const piechatPageCache = piechatPeer('PieChat, fsync off', false, true);

import type { BenchClient, Peer, ServerSetup } from '../peers/types.js';

/** Connects `count` clients named `prefix0…`, at most `concurrency` handshakes at a time. */
export async function connectMany(peer: Peer, port: number, prefix: string, count: number, mode: ServerSetup['mode'], concurrency = 100): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array<BenchClient>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      clients[index] = await peer.connect(port, `${prefix}${index}`, mode);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return clients;
}

/** Closes every client. */
export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

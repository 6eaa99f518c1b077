import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatServer, type ServerAddress } from 'piechat';

/** A PieChat server run by the web host itself, when it was not given one to connect to. */
export interface EmbeddedServer {
  address: ServerAddress;
  /** The temporary directory that holds the shared files. */
  storage: string;
  /** Stops the server and deletes its files. */
  close(): Promise<void>;
}

/** Starts a ChatServer on a free loopback port, storing files in a new temporary directory. */
export async function startEmbeddedServer(): Promise<EmbeddedServer> {
  const storage = await mkdtemp(join(tmpdir(), 'piechat-web-'));
  const server = new ChatServer({ storage });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    address: { host: '127.0.0.1', port },
    storage,
    async close() {
      await server.close();
      await rm(storage, { recursive: true, force: true });
    },
  };
}

import { connect, createServer, type Server, type Socket } from 'node:net';

/** A direction of traffic through the proxy. */
export type Direction = 'up' | 'down';

/** One client connection through the proxy and its upstream twin. */
interface Pair {
  client: Socket;
  server: Socket;
  /** Traffic held (not forwarded, not read) while stalled. */
  stalled: boolean;
  /** Directions whose bytes are dropped: the peer never gets them. */
  blackholed: Set<Direction>;
}

/**
 * A TCP proxy for fault injection between a client and a server, on loopback: it can cut every
 * connection, stall them (nothing forwarded or read, as if a cable were pulled or a peer frozen),
 * drop one direction, delay traffic, split it into 1-byte writes, and refuse new connections.
 */
export class FaultProxy {
  readonly port: number;
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #refusing = false;
  #delayMs = 0;
  #split = false;
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections cut by {@link cut}. */
  cuts = 0;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  /** Starts a proxy on 127.0.0.1 (an ephemeral port) to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('The proxy has no port');
    const proxy = new FaultProxy(server, address.port);
    server.on('connection', (client: Socket) => proxy.accept(client, targetPort));
    return proxy;
  }

  /** Connections open now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Destroys every open connection, both sides (as a reset would). */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    if (this.#pairs.size > 0) this.cuts++;
    this.#pairs.clear();
  }

  /**
   * Stops forwarding and reading on the open connections (new ones flow): neither side hears
   * anything more, the sockets stay open. {@link resume} lets them flow again.
   */
  stall(): void {
    for (const pair of this.#pairs) {
      pair.stalled = true;
      pair.client.pause();
      pair.server.pause();
    }
  }

  /** Lets stalled connections flow again. */
  resume(): void {
    for (const pair of this.#pairs) {
      pair.stalled = false;
      pair.client.resume();
      pair.server.resume();
    }
  }

  /** Drops every byte going `direction` (`down`: server to client) on the open connections. */
  blackhole(direction: Direction): void {
    for (const pair of this.#pairs) pair.blackholed.add(direction);
  }

  /** Closes new connections at once (`true`) or accepts them again (`false`). */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  /** Delays every chunk by `ms` (order kept). */
  delay(ms: number): void {
    this.#delayMs = ms;
  }

  /** Forwards every chunk as 1-byte writes (`true`), or whole (`false`). */
  split(splitting: boolean): void {
    this.#split = splitting;
  }

  /** Cuts everything and stops listening. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    client.on('error', () => undefined);
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const server = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    server.on('error', () => undefined);
    const pair: Pair = { client, server, stalled: false, blackholed: new Set() };
    this.#pairs.add(pair);
    this.#forward(pair, client, server, 'up');
    this.#forward(pair, server, client, 'down');
    const end = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', end);
    server.on('close', end);
  }

  #forward(pair: Pair, from: Socket, to: Socket, direction: Direction): void {
    // With a delay, chunks are released in order through one chain of timers.
    let tail = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (pair.blackholed.has(direction)) return;
      const write = (): void => {
        if (to.destroyed || pair.blackholed.has(direction)) return;
        if (!this.#split) {
          if (!to.write(chunk)) from.pause();
          return;
        }
        let flowing = true;
        for (let index = 0; index < chunk.length; index++) flowing = to.write(chunk.subarray(index, index + 1));
        if (!flowing) from.pause();
      };
      if (this.#delayMs === 0) write();
      else {
        const delayMs = this.#delayMs;
        tail = tail.then(() => new Promise<void>((resolve) => setTimeout(resolve, delayMs))).then(write);
      }
    });
    to.on('drain', () => {
      if (!pair.stalled) from.resume();
    });
  }
}

import type { ExecutionContext } from 'ava';
import type { EventEmitter } from 'eventemitter3';
import { ChatClient, ChatServer, type ChatClientOptions, type ChatServerOptions } from '../../lib/index.js';

/** A server on an ephemeral loopback port, with the clients a test made, all closed by {@link closeAll}. */
export interface Harness {
  server: ChatServer;
  port: number;
  clients: ChatClient[];
  /** Connects a new client named `name` (and keeps it for teardown). */
  connect(name: string, options?: Partial<ChatClientOptions>): Promise<ChatClient>;
  /** A client not yet connected (kept for teardown). */
  client(name: string, options?: Partial<ChatClientOptions>): ChatClient;
}

/** Starts a server on 127.0.0.1:0. */
export async function startServer(options: ChatServerOptions = {}): Promise<Harness> {
  const server = new ChatServer(options);
  const { port } = await server.listen(0, '127.0.0.1');
  const clients: ChatClient[] = [];
  const client = (name: string, extra: Partial<ChatClientOptions> = {}): ChatClient => {
    const created = new ChatClient({ host: '127.0.0.1', port, name, ...extra });
    clients.push(created);
    return created;
  };
  return {
    server,
    port,
    clients,
    client,
    async connect(name, extra) {
      const created = client(name, extra);
      await created.connect();
      return created;
    },
  };
}

/** Closes every client, then the server. */
export async function closeAll(harness: Harness): Promise<void> {
  await Promise.allSettled(harness.clients.map((client) => client.close()));
  await harness.server.close();
}

/**
 * Runs `body` with a fresh server and closes everything afterwards, whatever happens: the
 * ava "server on port 0, closed in finally" macro.
 */
export async function withServer(
  t: ExecutionContext,
  body: (harness: Harness) => Promise<void>,
  options: ChatServerOptions = {},
): Promise<void> {
  const harness = await startServer(options);
  try {
    await body(harness);
  } finally {
    await closeAll(harness);
  }
  t.pass();
}

type Events = EventEmitter.ValidEventTypes;
type Name<E extends Events> = EventEmitter.EventNames<E>;
/** The first argument of the listener of event `K` in event map `E`. */
type EventArg<E extends Events, K extends Name<E>> = EventEmitter.EventArgs<E, K>[0];
type Untyped<E extends Events, K extends Name<E>> = EventEmitter<Record<string, (payload: EventArg<E, K>) => void>>;

/** Resolves with the next `event` whose payload satisfies `accept`; rejects after `timeoutMs`. */
export function nextEvent<E extends Events, K extends Name<E> & string>(
  emitter: EventEmitter<E>,
  event: K,
  accept: (payload: EventArg<E, K>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<EventArg<E, K>> {
  return new Promise((resolve, reject) => {
    const untyped = emitter as unknown as Untyped<E, K>;
    const listener = (payload: EventArg<E, K>): void => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      untyped.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      untyped.off(event, listener);
      reject(new Error(`No "${event}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    untyped.on(event, listener);
  });
}

/** Payloads collected by {@link collect}, with a way to wait for more. */
export interface Collected<T> extends Array<T> {
  /** Resolves once at least `count` payloads have been collected (at once if they already are). */
  atLeast(count: number, timeoutMs?: number): Promise<T[]>;
}

/** Collects every payload of `event` into an array, as it happens. */
export function collect<E extends Events, K extends Name<E> & string>(emitter: EventEmitter<E>, event: K): Collected<EventArg<E, K>> {
  const seen = [] as unknown as Collected<EventArg<E, K>>;
  let wake: (() => void) | undefined;
  (emitter as unknown as Untyped<E, K>).on(event, (payload) => {
    seen.push(payload);
    wake?.();
  });
  const atLeast = (count: number, timeoutMs = 5_000): Promise<Array<EventArg<E, K>>> =>
    new Promise((resolve, reject) => {
      if (seen.length >= count) return resolve([...seen]);
      const timer = setTimeout(() => reject(new Error(`Only ${seen.length} of ${count} "${event}" events within ${timeoutMs} ms`)), timeoutMs);
      wake = () => {
        if (seen.length < count) return;
        clearTimeout(timer);
        wake = undefined;
        resolve([...seen]);
      };
    });
  Object.defineProperty(seen, 'atLeast', { value: atLeast, enumerable: false });
  return seen;
}

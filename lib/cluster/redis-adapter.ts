import { randomBytes } from 'node:crypto';
import { DEFAULT_HISTORY_MAX_AGE_MS, DEFAULT_HISTORY_MAX_MESSAGES } from '../defaults.js';
import { PieChatError } from '../errors.js';
import type { HistoryRange } from '../stores/history-store.js';
import type { ChatMessage, FileInfo } from '../types.js';
import { assertInteger, assertOptions, describe } from '../util/assert.js';
import { nameKey } from '../util/names.js';
import type { ClusterAdapter, ClusterEvent, ClusterUser, MessageDraft } from './adapter.js';
import { CLAIM_SCRIPT, RELEASE_SCRIPT, ROOMS_SCRIPT, SEND_SCRIPT } from './redis-scripts.js';

/**
 * The part of a Redis client the adapter uses: an `ioredis` `Redis` instance fits
 * (`new Redis(url)`). The adapter makes two: one for commands, one subscribed to events.
 */
export interface RedisConnection {
  /** Runs any command (`ioredis`: `redis.call(...)`). */
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  /** Subscribes to channels (the connection is then in subscriber mode). */
  subscribe(...channels: string[]): Promise<unknown>;
  /** Published messages, on a subscribed connection. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** Closes the connection. */
  quit(): Promise<unknown>;
}

/** Options of a {@link RedisAdapter}. */
export interface RedisAdapterOptions {
  /** Makes a new connection to the Redis server, e.g. `() => new Redis('redis://127.0.0.1:6379')`. */
  connect: () => RedisConnection;
  /**
   * Prefix of every key and channel, so that several clusters can share one Redis.
   * @default 'piechat'
   */
  prefix?: string;
  /**
   * How long a node that stopped refreshing its liveness key is still considered alive (ms). Its
   * users leave the rooms at most about this long, plus a check interval, after it died.
   * @default 5000
   */
  nodeTimeoutMs?: number;
  /**
   * Messages kept per room (and inbox) in the shared history (Redis Streams, trimmed approximately).
   * @default 1000
   */
  historyMaxMessages?: number;
  /**
   * Messages older than this are not replayed (ms).
   * @default 3600000 (one hour)
   */
  historyMaxAgeMs?: number;
}

/** A user record in the users hash. */
interface UserRecord {
  name: string;
  node: string;
  session: string;
  rooms: string[] | Record<string, never>;
}

/**
 * A {@link ClusterAdapter} on Redis: a users hash for names and presence (each node refreshes a
 * liveness key; the users of a node whose key expired are taken offline by the others), one
 * pub/sub channel for events, a counter and a Stream per room for numbering and history, and a
 * hash of file metadata. Works with `ioredis` (a peer dependency the app installs).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const adapter = new RedisAdapter({ connect: () => new Redis('redis://10.0.0.5:6379') });
 * const server = new ChatServer({ adapter, storage: '/shared/piechat-files' });
 * ```
 */
export class RedisAdapter implements ClusterAdapter {
  readonly nodeId = randomBytes(6).toString('hex');
  readonly #options: Required<RedisAdapterOptions>;
  #commands: RedisConnection | undefined;
  #events: RedisConnection | undefined;
  #timer: NodeJS.Timeout | undefined;
  #epoch: string | undefined;
  #stopped = false;

  /** Throws `TypeError` on bad options; connects only in {@link start}. */
  constructor(options: RedisAdapterOptions) {
    assertOptions('options', options);
    if (typeof options.connect !== 'function') throw new TypeError(`Expected \`connect\` to be a function making a Redis connection, got \`${describe(options.connect)}\``);
    this.#options = {
      connect: options.connect,
      prefix: options.prefix ?? 'piechat',
      nodeTimeoutMs: options.nodeTimeoutMs ?? 5_000,
      historyMaxMessages: options.historyMaxMessages ?? DEFAULT_HISTORY_MAX_MESSAGES,
      historyMaxAgeMs: options.historyMaxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS,
    };
    if (typeof this.#options.prefix !== 'string' || this.#options.prefix === '') throw new TypeError('Expected `prefix` to be a non-empty string');
    assertInteger('nodeTimeoutMs', this.#options.nodeTimeoutMs, 100);
    assertInteger('historyMaxMessages', this.#options.historyMaxMessages, 1);
    assertInteger('historyMaxAgeMs', this.#options.historyMaxAgeMs, 1);
  }

  async start(deliver: (event: ClusterEvent) => void): Promise<ClusterUser[]> {
    this.#commands = this.#options.connect();
    this.#events = this.#options.connect();
    const channel = this.#key('events');
    this.#events.on('message', (from, payload) => {
      if (from !== channel) return;
      let event: ClusterEvent;
      try {
        event = JSON.parse(payload) as ClusterEvent;
      } catch {
        return;
      }
      deliver(event);
    });
    await this.#events.subscribe(channel);
    await this.#refresh();
    const refreshEvery = Math.max(50, Math.floor(this.#options.nodeTimeoutMs / 3));
    this.#timer = setInterval(() => void this.#tick().catch(() => undefined), refreshEvery);
    this.#timer.unref();
    const users = (await this.#redis().call('HVALS', this.#key('users'))) as string[];
    return users.map((json) => toClusterUser(JSON.parse(json) as UserRecord)).filter((user) => user.node !== this.nodeId);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    const redis = this.#commands;
    if (redis === undefined) return;
    // This node's users go offline everywhere, now rather than after the timeout.
    await this.#reap(this.nodeId).catch(() => undefined);
    await redis.call('DEL', this.#key(`node:${this.nodeId}`)).catch(() => undefined);
    await redis.call('SREM', this.#key('nodes'), this.nodeId).catch(() => undefined);
    await Promise.allSettled([redis.quit(), this.#events?.quit()]);
  }

  async claim(name: string, session: string): Promise<boolean> {
    const record: UserRecord = { name, node: this.nodeId, session, rooms: [] };
    const claimed = await this.#redis().call('EVAL', CLAIM_SCRIPT, 1, this.#key('users'), nameKey(name), JSON.stringify(record), session, this.#key('node:'));
    return claimed === 1;
  }

  async publish(event: Exclude<ClusterEvent, { type: 'message' }>): Promise<void> {
    const redis = this.#redis();
    switch (event.type) {
      case 'join':
      case 'leave':
        await redis.call('EVAL', ROOMS_SCRIPT, 1, this.#key('users'), nameKey(event.user), this.nodeId, event.room, event.type === 'join' ? '1' : '0');
        break;
      case 'offline': {
        const released = await redis.call('EVAL', RELEASE_SCRIPT, 1, this.#key('users'), nameKey(event.user), this.nodeId);
        // Taken over meanwhile by a session on another node: nothing to announce.
        if (released === null) return;
        break;
      }
      case 'file':
        await redis.call('HSET', this.#key('files'), event.file.id, JSON.stringify(event.file));
        break;
      case 'online':
        break;
    }
    await redis.call('PUBLISH', this.#key('events'), JSON.stringify(event));
  }

  async send(key: string, draft: MessageDraft): Promise<ChatMessage> {
    const body = JSON.stringify(draft);
    const head = `{"type":"message","node":${JSON.stringify(this.nodeId)},"message":{"seq":`;
    const tail = `,${body.slice(1)}}`;
    const seq = (await this.#redis().call(
      'EVAL',
      SEND_SCRIPT,
      2,
      this.#key(`seq:${key}`),
      this.#key(`history:${key}`),
      this.#key('events'),
      head,
      tail,
      body,
      this.#options.historyMaxMessages,
    )) as number;
    return { seq, ...draft };
  }

  async epoch(): Promise<string> {
    if (this.#epoch !== undefined) return this.#epoch;
    const key = this.#key('epoch');
    await this.#redis().call('SET', key, randomBytes(12).toString('base64url'), 'NX');
    this.#epoch = (await this.#redis().call('GET', key)) as string;
    return this.#epoch;
  }

  async since(key: string, seq: number): Promise<HistoryRange> {
    const last = await this.lastSeq(key);
    // The newest entries after `seq` (the Stream is trimmed approximately: it may hold more).
    const newestFirst = (await this.#redis().call('XREVRANGE', this.#key(`history:${key}`), '+', `${seq + 1}-0`, 'COUNT', this.#options.historyMaxMessages)) as Array<[string, string[]]>;
    const entries = newestFirst.reverse();
    const oldest = Date.now() - this.#options.historyMaxAgeMs;
    const messages: ChatMessage[] = [];
    for (const [id, fields] of entries) {
      const json = fields[fields.indexOf('m') + 1];
      if (json === undefined) continue;
      const message = { seq: Number.parseInt(id, 10), ...(JSON.parse(json) as MessageDraft) };
      if (message.at >= oldest) messages.push(message);
    }
    if (seq > last) return { messages, gap: { next: messages[0]?.seq ?? last + 1, reset: true } };
    const first = messages[0]?.seq ?? last + 1;
    return first > seq + 1 ? { messages, gap: { next: first } } : { messages };
  }

  async lastSeq(key: string): Promise<number> {
    const value = await this.#redis().call('GET', this.#key(`seq:${key}`));
    return value === null ? 0 : Number(value);
  }

  async files(): Promise<FileInfo[]> {
    const values = (await this.#redis().call('HVALS', this.#key('files'))) as string[];
    return values.map((json) => JSON.parse(json) as FileInfo).sort((a, b) => a.at - b.at);
  }

  /** Refreshes the liveness key, and takes the users of nodes found dead offline. */
  async #tick(): Promise<void> {
    if (this.#stopped) return;
    await this.#refresh();
    const nodes = (await this.#redis().call('SMEMBERS', this.#key('nodes'))) as string[];
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      if ((await this.#redis().call('EXISTS', this.#key(`node:${node}`))) === 1) continue;
      // One survivor reaps each dead node.
      const mine = await this.#redis().call('SET', this.#key(`reap:${node}`), this.nodeId, 'NX', 'PX', this.#options.nodeTimeoutMs);
      if (mine !== 'OK') continue;
      await this.#reap(node);
      await this.#redis().call('SREM', this.#key('nodes'), node);
    }
  }

  /** Takes every user still held by `node` offline, on its behalf. */
  async #reap(node: string): Promise<void> {
    const all = (await this.#redis().call('HGETALL', this.#key('users'))) as string[];
    for (let index = 0; index + 1 < all.length; index += 2) {
      const record = JSON.parse(all[index + 1]!) as UserRecord;
      if (record.node !== node) continue;
      const released = await this.#redis().call('EVAL', RELEASE_SCRIPT, 1, this.#key('users'), all[index]!, node);
      if (released === null) continue;
      const user = toClusterUser(record);
      const event: ClusterEvent = { type: 'offline', node, user: user.name, rooms: user.rooms, reason: node === this.nodeId ? 'shutdown' : 'timeout' };
      await this.#redis().call('PUBLISH', this.#key('events'), JSON.stringify(event));
    }
  }

  /** Refreshes this node's liveness key, and its entry in the node list (a node reaped while it stalled comes back). */
  async #refresh(): Promise<void> {
    await this.#redis().call('SET', this.#key(`node:${this.nodeId}`), '1', 'PX', this.#options.nodeTimeoutMs);
    await this.#redis().call('SADD', this.#key('nodes'), this.nodeId);
  }

  #redis(): RedisConnection {
    if (this.#commands === undefined) throw new PieChatError('ERR_INTERNAL', 'The Redis adapter is not started');
    return this.#commands;
  }

  #key(name: string): string {
    return `${this.#options.prefix}:${name}`;
  }
}

function toClusterUser(record: UserRecord): ClusterUser {
  return { name: record.name, node: record.node, rooms: Array.isArray(record.rooms) ? record.rooms : [] };
}

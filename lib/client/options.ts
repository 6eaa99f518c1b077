import type { ConnectionOptions } from 'node:tls';
import * as defaults from '../defaults.js';
import { assertInteger, assertOptions, assertString, describe, withDefaults } from '../util/assert.js';
import { resolveReconnect, type ReconnectOptions, type ReconnectPolicy } from './reconnect.js';
import type { ServerAddress } from './reconnector.js';

/** Options of a {@link ChatClient}. Only `name` is required. */
export interface ChatClientOptions {
  /**
   * The name to chat under: letters, digits, `_`, `-` or `.`, at most the server's `maxNameLength`
   * (32 by default), unique on the server case-insensitively.
   */
  name: string;
  /**
   * Server host.
   * @default 'localhost'
   */
  host?: string;
  /**
   * Server port.
   * @default 9009
   */
  port?: number;
  /**
   * Time allowed for the TCP connection and the handshake; `connect()` rejects with `ERR_TIMEOUT` after it.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * Time allowed for the server to answer a request (send, join, ...); it rejects with `ERR_TIMEOUT` after it.
   * @default 15000
   */
  requestTimeoutMs?: number;
  /**
   * Largest frame payload accepted from the server.
   * @default 1048576
   */
  maxFrameBytes?: number;
  /**
   * Most bytes that may wait to be sent to the server before the connection is considered stuck
   * (at least 1 MiB).
   * @default 8388608
   */
  maxOutputBufferBytes?: number;
  /**
   * Flow-control window of each download: the most bytes the server may send beyond what the
   * client has written. Bounds the client's memory per download.
   * @default 4194304 (4 MiB)
   */
  transferWindowBytes?: number;
  /**
   * Reconnect after a lost connection: `true` with the default policy (exponential backoff from
   * 250 ms to 10 s, jitter 0.5, no attempt limit), a policy, or `false` to stay disconnected.
   * A reconnected client resumes its session: its rooms, what it missed, its queued messages and
   * its transfers.
   * @default true
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * More servers to fail over to, tried in turn after `host`/`port` when reconnecting.
   * @default []
   */
  servers?: ServerAddress[];
  /**
   * Most messages `send()` queues while reconnecting; one more is refused with `ERR_QUEUE_FULL`.
   * @default 1000
   */
  maxQueuedMessages?: number;
  /**
   * Most bytes of message text queued while reconnecting.
   * @default 1048576
   */
  maxQueuedBytes?: number;
  /**
   * Connect over TLS: `true` verifies the server's certificate against the system's CAs for
   * `host`; TLS options add a `ca`, a client certificate (`key`, `cert`) for mutual TLS, a
   * `servername`, and so on. TLS failures (an unverified certificate, a plain server) reject
   * with `ERR_TLS`, and the client does not retry them.
   * @default false
   */
  tls?: boolean | ConnectionOptions;
  /** A token for the server's `authenticate` hook (sent in the hello; use TLS to keep it secret). */
  token?: string;
  /** A password for the server's `authenticate` hook (sent in the hello; use TLS to keep it secret). */
  password?: string;
}

/** {@link ChatClientOptions} with every default applied. */
export type ResolvedClientOptions = Required<Omit<ChatClientOptions, 'reconnect' | 'tls' | 'token' | 'password'>> & {
  reconnect: ReconnectPolicy | undefined;
  /** TLS options, or undefined for plain TCP. */
  tls: ConnectionOptions | undefined;
  token: string | undefined;
  password: string | undefined;
};

/** The defaults of {@link ChatClientOptions} (all but `name`). */
export function defaultClientOptions(): Omit<ResolvedClientOptions, 'name'> {
  return {
    host: defaults.DEFAULT_HOST,
    port: defaults.DEFAULT_PORT,
    connectTimeoutMs: defaults.DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: defaults.DEFAULT_REQUEST_TIMEOUT_MS,
    maxFrameBytes: defaults.DEFAULT_MAX_FRAME_BYTES,
    maxOutputBufferBytes: defaults.DEFAULT_MAX_OUTPUT_BUFFER_BYTES,
    transferWindowBytes: defaults.DEFAULT_TRANSFER_WINDOW_BYTES,
    reconnect: resolveReconnect(true),
    servers: [],
    maxQueuedMessages: defaults.DEFAULT_MAX_QUEUED_MESSAGES,
    maxQueuedBytes: defaults.DEFAULT_MAX_QUEUED_BYTES,
    tls: undefined,
    token: undefined,
    password: undefined,
  };
}

/** Applies defaults and checks every option, throwing a `TypeError` that names the bad one. */
export function resolveClientOptions(options: ChatClientOptions): ResolvedClientOptions {
  assertOptions('options', options);
  const { reconnect, tls, ...rest } = options;
  const resolved = withDefaults({ ...defaultClientOptions(), name: '' }, rest as Partial<ResolvedClientOptions>);
  resolved.reconnect = resolveReconnect(reconnect);
  if (tls !== undefined && tls !== false) {
    if (tls !== true) assertOptions('tls', tls);
    resolved.tls = tls === true ? {} : { ...tls };
  }
  for (const credential of ['token', 'password'] as const) {
    const value = resolved[credential];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > 4096)) {
      throw new TypeError(`Expected \`${credential}\` to be a string of 1 to 4096 bytes (the hello must fit one handshake frame), got \`${describe(value)}\``);
    }
  }
  if (!Array.isArray(resolved.servers)) throw new TypeError(`Expected \`servers\` to be an array, got \`${describe(resolved.servers)}\``);
  resolved.servers.forEach((server, index) => {
    assertOptions(`servers[${index}]`, server);
    assertString(`servers[${index}].host`, server.host);
    assertInteger(`servers[${index}].port`, server.port, 1, 65_535);
  });
  resolved.servers = resolved.servers.map(({ host, port }) => ({ host, port }));
  assertInteger('maxQueuedMessages', resolved.maxQueuedMessages, 0);
  assertInteger('maxQueuedBytes', resolved.maxQueuedBytes, 0);
  assertString('name', resolved.name);
  assertString('host', resolved.host);
  assertInteger('port', resolved.port, 1, 65_535);
  assertInteger('connectTimeoutMs', resolved.connectTimeoutMs, 1);
  assertInteger('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  assertInteger('maxFrameBytes', resolved.maxFrameBytes, 64 * 1024 + 64);
  // Room for upload data in flight (256 KiB) and a large control frame.
  assertInteger('maxOutputBufferBytes', resolved.maxOutputBufferBytes, 1024 * 1024);
  assertInteger('transferWindowBytes', resolved.transferWindowBytes, 4 * defaults.TRANSFER_CHUNK_BYTES, 1024 * 1024 * 1024);
  return resolved;
}

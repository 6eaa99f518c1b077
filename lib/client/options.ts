import * as defaults from '../defaults.js';
import { assertInteger, assertOptions, assertString, withDefaults } from '../util/assert.js';

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
}

/** {@link ChatClientOptions} with every default applied. */
export type ResolvedClientOptions = Required<ChatClientOptions>;

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
  };
}

/** Applies defaults and checks every option, throwing a `TypeError` that names the bad one. */
export function resolveClientOptions(options: ChatClientOptions): ResolvedClientOptions {
  assertOptions('options', options);
  const resolved = withDefaults({ ...defaultClientOptions(), name: '' }, options);
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

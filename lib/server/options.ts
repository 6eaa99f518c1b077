import * as defaults from '../defaults.js';
import { assertRoomName, assertUserName } from '../util/names.js';
import { TRANSFER_CHUNK_BYTES } from '../defaults.js';
import { DiskFileStore } from '../stores/disk-file-store.js';
import type { FileStore } from '../stores/file-store.js';
import type { HistoryStore } from '../stores/history-store.js';
import type { ClusterAdapter } from '../cluster/adapter.js';
import { assertBoolean, assertInteger, assertOptions, assertString, describe, withDefaults } from '../util/assert.js';
import { checkSecurityOptions, defaultSecurityOptions, type ResolvedSecurityOptions, type SecurityOptions } from './security-options.js';

/** Options of a {@link ChatServer}. Every one is optional. */
export interface ChatServerOptions extends SecurityOptions {
  /**
   * Port `listen()` binds when called without one; 0 picks a free port.
   * @default 9009
   */
  port?: number;
  /**
   * Address `listen()` binds when called without one.
   * @default all interfaces (`::` or `0.0.0.0`)
   */
  host?: string;
  /**
   * The server's name: the `from` of its system messages. Users may not take it.
   * @default 'server'
   */
  name?: string;
  /**
   * Rooms every user is in on arrival.
   * @default ['lobby']
   */
  rooms?: string[];
  /**
   * Most simultaneous users; one more is refused with `ERR_SERVER_FULL`.
   * @default 10000
   */
  maxClients?: number;
  /**
   * Longest message text in UTF-8 bytes; longer ones are refused with `ERR_MESSAGE_TOO_LONG`.
   * @default 8192
   */
  maxMessageBytes?: number;
  /**
   * Largest frame payload accepted from a client once connected; larger ones close the
   * connection with `ERR_FRAME_TOO_LARGE`.
   * @default 1048576
   */
  maxFrameBytes?: number;
  /**
   * Most rooms one user may be in; one more is refused with `ERR_TOO_MANY_ROOMS`.
   * @default 32
   */
  maxRoomsPerUser?: number;
  /**
   * Longest user name in characters.
   * @default 32
   */
  maxNameLength?: number;
  /**
   * Heartbeat interval in ms: a client silent for one interval is pinged, one silent for two
   * is disconnected with reason `timeout`. 0 disables heartbeats.
   * @default 15000
   */
  heartbeatIntervalMs?: number;
  /**
   * A line-mode (telnet, `nc`) connection with no traffic either way for this long is closed
   * with reason `timeout`: line users cannot answer heartbeats (TCP keep-alive still detects a
   * dead peer). 0 keeps idle line users forever.
   * @default 3600000 (one hour)
   */
  lineIdleTimeoutMs?: number;
  /**
   * Time a new connection has to finish its handshake (a binary hello, or a name in line mode).
   * @default 10000
   */
  handshakeTimeoutMs?: number;
  /**
   * Accept telnet/`nc` users on the same port with a plain-text chat.
   * @default true
   */
  lineMode?: boolean;
  /**
   * How long to wait for a new connection's first bytes before prompting it as a line-mode user.
   * @default 250
   */
  lineModeDelayMs?: number;
  /**
   * Most bytes that may wait to be sent to one client. A client that stops reading and passes
   * it is disconnected with reason `slow-consumer` (and a `slow-consumer` event). At least
   * `maxFrameBytes` + 512 KiB.
   * @default 8388608
   */
  maxOutputBufferBytes?: number;
  /**
   * Where uploaded files are kept: a directory for the default {@link DiskFileStore}, or any
   * {@link FileStore}. The directory is created on first use.
   * @default 'piechat-files' (relative to the working directory)
   */
  storage?: string | FileStore;
  /**
   * Largest file accepted; advertised in the welcome so that a client refuses a larger one with
   * `ERR_FILE_TOO_LARGE` before sending a byte.
   * @default 2147483648 (2 GiB)
   */
  maxFileBytes?: number;
  /**
   * Most transfers (uploads and downloads together) one connection may run at once; one more is
   * refused with `ERR_TOO_MANY_TRANSFERS`.
   * @default 8
   */
  maxTransfers?: number;
  /**
   * Most bytes of stored files per user (counted by uploader, uploads in progress included);
   * beyond it an upload is refused with `ERR_QUOTA_EXCEEDED`.
   * @default 10737418240 (10 GiB)
   */
  quotaBytes?: number;
  /**
   * Flow-control window of each upload: the most bytes a client may send beyond what the server
   * has written to storage. Bounds the server's memory per upload.
   * @default 4194304 (4 MiB)
   */
  transferWindowBytes?: number;
  /**
   * Recent messages kept for clients that reconnect and resume.
   * @default a `MemoryHistoryStore` (1,000 messages and one hour per room)
   */
  history?: HistoryStore;
  /**
   * Joins a cluster of nodes sharing users, rooms, messages, history and file metadata, e.g. a
   * {@link RedisAdapter}. The history then lives in the cluster (`history` is not used), and
   * `storage` must be shared by the nodes (a shared directory). Without it the server stands alone.
   */
  adapter?: ClusterAdapter;
  /**
   * How long a user whose connection was lost (not closed: a crash, a network cut, missed
   * heartbeats) stays in its rooms with its name reserved, for its client to resume the session
   * without anyone seeing it leave. 0 removes it at once.
   * @default 30000
   */
  resumeGraceMs?: number;
  /**
   * How long an upload interrupted by a lost connection is kept, for its client to continue it
   * from where it stopped; then it is deleted.
   * @default 600000 (10 minutes)
   */
  partialUploadTtlMs?: number;
}

/** {@link ChatServerOptions} with every default applied. */
export type ResolvedServerOptions = Required<Omit<ChatServerOptions, 'host' | 'history' | 'adapter' | keyof SecurityOptions>> &
  ResolvedSecurityOptions & { host: string | undefined; history: HistoryStore | undefined; adapter: ClusterAdapter | undefined };

/** The file store of resolved options: a directory becomes a {@link DiskFileStore}. */
export function storeOf(storage: string | FileStore): FileStore {
  return typeof storage === 'string' ? new DiskFileStore(storage) : storage;
}

/** The defaults of {@link ChatServerOptions}. */
export function defaultServerOptions(): ResolvedServerOptions {
  return {
    port: defaults.DEFAULT_PORT,
    host: undefined,
    name: defaults.DEFAULT_SERVER_NAME,
    rooms: [...defaults.DEFAULT_ROOMS],
    maxClients: defaults.DEFAULT_MAX_CLIENTS,
    maxMessageBytes: defaults.DEFAULT_MAX_MESSAGE_BYTES,
    maxFrameBytes: defaults.DEFAULT_MAX_FRAME_BYTES,
    maxRoomsPerUser: defaults.DEFAULT_MAX_ROOMS_PER_USER,
    maxNameLength: defaults.DEFAULT_MAX_NAME_LENGTH,
    heartbeatIntervalMs: defaults.DEFAULT_HEARTBEAT_INTERVAL_MS,
    lineIdleTimeoutMs: defaults.DEFAULT_LINE_IDLE_TIMEOUT_MS,
    handshakeTimeoutMs: defaults.DEFAULT_HANDSHAKE_TIMEOUT_MS,
    lineMode: true,
    lineModeDelayMs: defaults.DEFAULT_LINE_MODE_DELAY_MS,
    maxOutputBufferBytes: defaults.DEFAULT_MAX_OUTPUT_BUFFER_BYTES,
    storage: defaults.DEFAULT_STORAGE_DIRECTORY,
    maxFileBytes: defaults.DEFAULT_MAX_FILE_BYTES,
    maxTransfers: defaults.DEFAULT_MAX_TRANSFERS,
    quotaBytes: defaults.DEFAULT_QUOTA_BYTES,
    transferWindowBytes: defaults.DEFAULT_TRANSFER_WINDOW_BYTES,
    history: undefined,
    adapter: undefined,
    resumeGraceMs: defaults.DEFAULT_RESUME_GRACE_MS,
    partialUploadTtlMs: defaults.DEFAULT_PARTIAL_UPLOAD_TTL_MS,
    ...defaultSecurityOptions(),
  };
}

/** Applies defaults and checks every option, throwing a `TypeError` that names the bad one. */
export function resolveServerOptions(options: ChatServerOptions = {}): ResolvedServerOptions {
  assertOptions('options', options);
  const resolved = withDefaults(defaultServerOptions(), options);
  assertInteger('port', resolved.port, 0, 65_535);
  if (resolved.host !== undefined) assertString('host', resolved.host);
  assertString('name', resolved.name);
  if (!Array.isArray(resolved.rooms)) throw new TypeError(`Expected \`rooms\` to be an array, got \`${describe(resolved.rooms)}\``);
  for (const room of resolved.rooms) {
    try {
      assertRoomName(room);
    } catch (error) {
      throw new TypeError(`Invalid room in \`rooms\`: ${(error as Error).message}`, { cause: error });
    }
  }
  assertInteger('maxClients', resolved.maxClients, 1);
  assertInteger('maxMessageBytes', resolved.maxMessageBytes, 1);
  assertInteger('maxFrameBytes', resolved.maxFrameBytes, 64 * 1024 + 64, 64 * 1024 * 1024);
  // JSON escaping can grow text up to six times (\u0001); the frame must hold the worst case.
  if (resolved.maxMessageBytes * 6 + 1024 > resolved.maxFrameBytes) {
    throw new TypeError('Expected `maxFrameBytes` to be at least 6 × `maxMessageBytes` + 1024 (JSON escaping can grow a message six-fold)');
  }
  assertInteger('maxRoomsPerUser', resolved.maxRoomsPerUser, 1);
  const distinctRooms = new Set(resolved.rooms).size;
  if (distinctRooms > resolved.maxRoomsPerUser) {
    throw new TypeError(`Expected at most \`maxRoomsPerUser\` (${resolved.maxRoomsPerUser}) default \`rooms\`, got ${distinctRooms}`);
  }
  assertInteger('maxNameLength', resolved.maxNameLength, 1, 256);
  try {
    assertUserName(resolved.name, 256);
  } catch (error) {
    throw new TypeError(`Invalid \`name\`: ${(error as Error).message}`, { cause: error });
  }
  assertInteger('heartbeatIntervalMs', resolved.heartbeatIntervalMs, 0);
  assertInteger('lineIdleTimeoutMs', resolved.lineIdleTimeoutMs, 0);
  assertInteger('handshakeTimeoutMs', resolved.handshakeTimeoutMs, 1);
  assertBoolean('lineMode', resolved.lineMode);
  assertInteger('lineModeDelayMs', resolved.lineModeDelayMs, 0);
  // Room for the largest control frame on top of the file data a connection keeps in flight.
  assertInteger('maxOutputBufferBytes', resolved.maxOutputBufferBytes, resolved.maxFrameBytes + 512 * 1024);
  if (typeof resolved.storage === 'string') assertString('storage', resolved.storage);
  else if (!isFileStore(resolved.storage)) {
    throw new TypeError(`Expected \`storage\` to be a directory or a FileStore, got \`${describe(resolved.storage)}\``);
  }
  assertInteger('maxFileBytes', resolved.maxFileBytes, 0);
  assertInteger('maxTransfers', resolved.maxTransfers, 1);
  assertInteger('quotaBytes', resolved.quotaBytes, 0);
  assertInteger('transferWindowBytes', resolved.transferWindowBytes, 4 * TRANSFER_CHUNK_BYTES, 1024 * 1024 * 1024);
  if (resolved.history !== undefined && !isHistoryStore(resolved.history)) {
    throw new TypeError(`Expected \`history\` to be a HistoryStore, got \`${describe(resolved.history)}\``);
  }
  if (resolved.adapter !== undefined && !isClusterAdapter(resolved.adapter)) {
    throw new TypeError(`Expected \`adapter\` to be a ClusterAdapter (such as a RedisAdapter), got \`${describe(resolved.adapter)}\``);
  }
  assertInteger('resumeGraceMs', resolved.resumeGraceMs, 0);
  assertInteger('partialUploadTtlMs', resolved.partialUploadTtlMs, 0);
  checkSecurityOptions(resolved);
  // The frame deadline is checked at heartbeats: shorter than one interval, it would cut frames early.
  if (resolved.frameTimeoutMs > 0 && resolved.heartbeatIntervalMs > 0 && resolved.frameTimeoutMs < resolved.heartbeatIntervalMs) {
    throw new TypeError(`Expected \`frameTimeoutMs\` (${resolved.frameTimeoutMs}) to be at least \`heartbeatIntervalMs\` (${resolved.heartbeatIntervalMs}), or 0`);
  }
  resolved.rooms = [...new Set(resolved.rooms)];
  return resolved;
}

function isFileStore(value: unknown): value is FileStore {
  const store = value as Partial<Record<keyof FileStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.create === 'function' &&
    typeof store.open === 'function' &&
    typeof store.list === 'function' &&
    typeof store.delete === 'function'
  );
}

function isClusterAdapter(value: unknown): value is ClusterAdapter {
  const adapter = value as Partial<Record<keyof ClusterAdapter, unknown>> | null;
  return typeof adapter === 'object' && adapter !== null && typeof adapter.nodeId === 'string' && typeof adapter.start === 'function' && typeof adapter.send === 'function';
}

function isHistoryStore(value: unknown): value is HistoryStore {
  const store = value as Partial<Record<keyof HistoryStore, unknown>> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.epoch === 'string' &&
    typeof store.append === 'function' &&
    typeof store.since === 'function' &&
    typeof store.lastSeq === 'function'
  );
}

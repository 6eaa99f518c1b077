import type { TlsOptions } from 'node:tls';
import * as defaults from '../defaults.js';
import type { FileInfo } from '../types.js';
import { assertInteger, describe } from '../util/assert.js';

/** The client certificate of a TLS connection, as the `authenticate` hook sees it. */
export interface TlsIdentity {
  /** Whether the certificate was verified against the server's `ca` (mutual TLS). */
  authorized: boolean;
  /** Why it was not, when it was not (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`). */
  authorizationError?: string;
  /** The certificate's subject fields (`CN`, `O`, …); absent without a client certificate. */
  subject?: Readonly<Record<string, string>>;
  /** SHA-256 fingerprint of the certificate, `AA:BB:…`. */
  fingerprint256?: string;
}

/** What a connecting user presents to the `authenticate` hook. */
export interface AuthRequest {
  /** The name the user asked for. */
  name: string;
  /** The `token` the client passed, if any. */
  token?: string;
  /** The `password` the client passed, if any. */
  password?: string;
  /** Remote address of the connection. */
  address: string;
  /** `binary` for PieChat clients, `line` for telnet/`nc` users (who cannot pass a credential). */
  mode: 'binary' | 'line';
  /** The client certificate, on a TLS connection. */
  tls?: TlsIdentity;
  /** True when the client resumes a session after a lost connection (it is checked again). */
  resuming: boolean;
}

/** An `authenticate` answer that admits the user. */
export interface AuthAllow {
  /** Admit. */
  allow: true;
  /** The name to admit the user under instead of the one it asked for. */
  name?: string;
  /** What to attach to the user (roles, ids): the `authorize` hook receives it with every action. */
  data?: Readonly<Record<string, unknown>>;
}

/** An `authenticate` answer that refuses the user. */
export interface AuthDeny {
  /** Refuse. */
  allow: false;
  /** Told to the client in its `ERR_AUTH` (default: "Authentication failed"). */
  message?: string;
}

/** The answer of the `authenticate` hook: `true`/`false`, or an {@link AuthAllow} / {@link AuthDeny}. */
export type AuthResult = boolean | AuthAllow | AuthDeny;

/** A user as the `authorize` hook sees it. */
export interface AuthorizedUser {
  /** The user's name. */
  name: string;
  /** Remote address of its connection. */
  address: string;
  /** `binary` or `line`. */
  mode: 'binary' | 'line';
  /** What `authenticate` attached, if anything. */
  data?: Readonly<Record<string, unknown>>;
}

/** What every action the `authorize` hook rules on carries. */
export interface ActionBase {
  /** Who wants to do it. */
  user: AuthorizedUser;
  /**
   * What the default rules decide (a room's files are for its members, a private file for its
   * sender and recipient; everything else is allowed): return it to keep them.
   */
  allowed: boolean;
}

/** Joining a room (also the default rooms on arrival, and the rooms a resuming client names). */
export interface JoinAction extends ActionBase {
  /** Discriminant. */
  type: 'join';
  /** The room. */
  room: string;
}

/** Sending a message to a room or to one user. */
export interface SendAction extends ActionBase {
  /** Discriminant. */
  type: 'send';
  /** The room, for a room message. */
  room?: string;
  /** The recipient, for a private message. */
  to?: string;
}

/** Uploading a file to a room or to one user. */
export interface UploadAction extends ActionBase {
  /** Discriminant. */
  type: 'upload';
  /** The room, for a room file. */
  room?: string;
  /** The recipient, for a private file. */
  to?: string;
  /** The file's (sanitised) display name. */
  name: string;
  /** Its size in bytes. */
  size: number;
}

/** Downloading a stored file. */
export interface DownloadAction extends ActionBase {
  /** Discriminant. */
  type: 'download';
  /** The file. */
  file: FileInfo;
}

/** An action the `authorize` hook rules on. */
export type AuthorizeAction = JoinAction | SendAction | UploadAction | DownloadAction;

/** The security options of a {@link ChatServer}; part of `ChatServerOptions`. */
export interface SecurityOptions {
  /**
   * Serve over TLS: at least `key` and `cert` (PEM). With `requestCert` (and `ca`), clients
   * present certificates (mutual TLS) that `authenticate` sees as `tls`; `rejectUnauthorized`
   * (default true with `requestCert`) refuses unverified ones during the TLS handshake. Plain
   * clients are refused at once.
   */
  tls?: TlsOptions;
  /**
   * Decides who may connect, and under which name; may be async. Runs for every hello (a resumed
   * session included) and for line-mode users after they give a name. A refusal makes
   * `connect()` reject with `ERR_AUTH` (the client does not retry); a hook that throws refuses
   * too, and is reported as an `error` event.
   */
  authenticate?: (request: AuthRequest) => AuthResult | Promise<AuthResult>;
  /**
   * Rules on joining a room, sending to a room or a user, uploading and downloading, for binary
   * and line-mode users alike. Synchronous (it runs on every message): return `action.allowed`
   * to keep the defaults. A refusal is `ERR_FORBIDDEN`; a hook that throws refuses too.
   */
  authorize?: (action: AuthorizeAction) => boolean;
  /**
   * Messages one connection may send per second, on average (a token bucket); one more is
   * refused with `ERR_RATE_LIMITED` and the connection stays. 0 disables the limit.
   * @default 100
   */
  maxMessagesPerSecond?: number;
  /**
   * Messages one connection may send in a burst, above the average rate.
   * @default 200
   */
  messageBurst?: number;
  /**
   * Upload bytes one connection may send per second, on average: uploads beyond it are slowed
   * down (the server grants credit at this rate), not refused. 0 disables the limit.
   * @default 0 (no limit)
   */
  maxUploadBytesPerSecond?: number;
  /**
   * Most connections open at once from one remote address (any protocol, before and after the
   * handshake); one more is refused with `ERR_RATE_LIMITED`.
   * @default 64
   */
  maxConnectionsPerAddress?: number;
  /**
   * Longest time one frame (or, in line mode, one line) may take to arrive once its first byte
   * came: a peer that trickles it is closed with `ERR_TIMEOUT`. Checked at every heartbeat, so
   * it takes effect only with heartbeats on, and must be at least `heartbeatIntervalMs`. 0
   * disables it.
   * @default 30000
   */
  frameTimeoutMs?: number;
}

/** {@link SecurityOptions} with defaults applied (the hooks and `tls` stay optional). */
export interface ResolvedSecurityOptions {
  tls: TlsOptions | undefined;
  authenticate: SecurityOptions['authenticate'];
  authorize: SecurityOptions['authorize'];
  maxMessagesPerSecond: number;
  messageBurst: number;
  maxUploadBytesPerSecond: number;
  maxConnectionsPerAddress: number;
  frameTimeoutMs: number;
}

/** The defaults of {@link SecurityOptions}. */
export function defaultSecurityOptions(): ResolvedSecurityOptions {
  return {
    tls: undefined,
    authenticate: undefined,
    authorize: undefined,
    maxMessagesPerSecond: defaults.DEFAULT_MAX_MESSAGES_PER_SECOND,
    messageBurst: defaults.DEFAULT_MESSAGE_BURST,
    maxUploadBytesPerSecond: 0,
    maxConnectionsPerAddress: defaults.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    frameTimeoutMs: defaults.DEFAULT_FRAME_TIMEOUT_MS,
  };
}

/** Checks the security options, throwing a `TypeError` that names the bad one. */
export function checkSecurityOptions(resolved: ResolvedSecurityOptions): void {
  if (resolved.tls !== undefined) {
    const tls = resolved.tls as Record<string, unknown> | null;
    if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) throw new TypeError(`Expected \`tls\` to be TLS options, got \`${describe(resolved.tls)}\``);
    if ((tls.key === undefined || tls.cert === undefined) && tls.pfx === undefined && tls.SNICallback === undefined) {
      throw new TypeError('Expected `tls` to have a `key` and a `cert` (or a `pfx`)');
    }
  }
  for (const hook of ['authenticate', 'authorize'] as const) {
    if (resolved[hook] !== undefined && typeof resolved[hook] !== 'function') {
      throw new TypeError(`Expected \`${hook}\` to be a function, got \`${describe(resolved[hook])}\``);
    }
  }
  assertInteger('maxMessagesPerSecond', resolved.maxMessagesPerSecond, 0);
  assertInteger('messageBurst', resolved.messageBurst, 1);
  assertInteger('maxUploadBytesPerSecond', resolved.maxUploadBytesPerSecond, 0);
  assertInteger('maxConnectionsPerAddress', resolved.maxConnectionsPerAddress, 1);
  assertInteger('frameTimeoutMs', resolved.frameTimeoutMs, 0);
}

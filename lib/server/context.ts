import type { Socket } from 'node:net';
import type { PieChatError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import type { HeartbeatMonitor } from '../transport/heartbeat.js';
import type { FileStore } from '../stores/file-store.js';
import type { LeaveReason, ServerLimits, ServerTransferProgress } from '../types.js';
import type { TransferEndEvent } from './events.js';
import type { FileCatalog } from './file-catalog.js';
import type { ClusterAdapter } from '../cluster/adapter.js';
import type { Authorizer } from './authentication.js';
import type { Hub } from './hub.js';
import type { BinarySession } from './binary-session.js';
import type { Member } from './member.js';
import type { PartialUploads } from './partial-uploads.js';
import type { ResolvedServerOptions } from './options.js';

/** A connection the server tracks from accept to close, so that `close()` can end it. */
export interface Closable {
  /** Closes on the server's initiative, telling the peer why. */
  closeBy(reason: LeaveReason, message: string, retryAfterMs?: number): void;
  /** Drops the connection at once. */
  destroy(): void;
}

/** What sessions need of the server that accepted them, without depending on its class. */
export interface SessionContext {
  readonly options: ResolvedServerOptions;
  readonly hub: Hub;
  readonly heartbeat: HeartbeatMonitor<Connection>;
  /** The limits advertised in every welcome. */
  readonly limits: ServerLimits;
  /** The default rules and the `authorize` hook. */
  readonly authorizer: Authorizer;
  /** The cluster this node belongs to, if any. */
  readonly cluster: ClusterAdapter | undefined;
  /** Reports an error of the server's own (a hook that threw) as an `error` event. */
  reportError(error: PieChatError): void;
  /**
   * With the `tls` option: takes over a connection that opened with a TLS handshake (its first
   * bytes pushed back into it); its decrypted stream comes back through the accept path.
   */
  startTls?: (socket: Socket) => void;
  /** Where files are kept. */
  readonly store: FileStore;
  /** What is stored, who may see it, quotas. */
  readonly catalog: FileCatalog;
  /** A transfer moved forward. */
  transferProgress(progress: ServerTransferProgress): void;
  /** A transfer ended. */
  transferEnded(event: TransferEndEvent): void;
  /** Work a closed session still does (deleting partial files); `close()` waits for it. */
  settling(work: Promise<void>): void;
  /** A connection (opening or session) is live; the server tracks it until `sessionClosed`. */
  track(connection: Closable): void;
  /** A connection was handed over to a session, which tracks itself. */
  untrack(connection: Closable): void;
  /** Binary sessions by session id, attached or waiting for their client to resume. */
  readonly sessions: Map<string, BinarySession>;
  /** Uploads interrupted by lost connections, kept for resuming. */
  readonly partials: PartialUploads;
  /** A user's connection was lost; the user stays for `resumeGraceMs`, waiting for its client. */
  sessionSuspended(member: Member, reason: LeaveReason, error: PieChatError | undefined): void;
  /** A client took its session back. */
  sessionResumed(member: Member): void;
  /** A user completed its handshake and was admitted. */
  sessionOpened(member: Member): void;
  /**
   * A connection ended. `member` is undefined when it ended before admission; `error` is why,
   * unless it was an orderly close.
   */
  sessionClosed(
    connection: Closable,
    member: Member | undefined,
    address: string,
    reason: LeaveReason,
    error: PieChatError | undefined,
  ): void;
}

/** Maps why a connection closed to the reason its user left. */
export function leaveReasonFor(error: PieChatError | undefined): LeaveReason {
  switch (error?.code) {
    case undefined:
    case 'ERR_CLOSED':
      return 'disconnected';
    case 'ERR_TIMEOUT':
      return 'timeout';
    case 'ERR_SLOW_CONSUMER':
      return 'slow-consumer';
    default:
      return 'error';
  }
}

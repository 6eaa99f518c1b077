import type { PieChatError } from '../errors.js';
import type { WireObject } from '../protocol/fields.js';
import type { Connection } from '../transport/connection.js';
import type { ServerLimits, TransferProgress } from '../types.js';

/** What the client's transfer tasks need of the client, without depending on its class. */
export interface TransferHost {
  /** The connection, or why there is none. */
  live(): Connection | PieChatError;
  /** The server's limits, once connected. */
  limits(): ServerLimits | undefined;
  /** Sends a request and resolves with its checked `ok`. */
  request<T>(message: { t: string; [field: string]: unknown }, parse: (ok: WireObject) => T): Promise<T>;
  /** A fresh stream id on the current connection. */
  nextStream(): number;
  /** Reports progress on the client's `progress` event. */
  progress(progress: TransferProgress): void;
  /** Flow-control window granted to the server for downloads. */
  readonly windowBytes: number;
}

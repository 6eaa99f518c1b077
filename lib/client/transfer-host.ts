import type { PieChatError } from '../errors.js';
import type { WireObject } from '../protocol/fields.js';
import type { Connection } from '../transport/connection.js';
import type { Transfer } from '../transfer/transfer.js';
import type { FileInfo, ServerLimits, TransferProgress } from '../types.js';

/** What the client's transfer tasks need of the client, without depending on its class. */
export interface TransferHost {
  /** The connection while connected; undefined while reconnecting (or not connected). */
  connection(): Connection | undefined;
  /**
   * Why no transfer can run (`ERR_CLOSED`, or `ERR_NOT_CONNECTED` when the client is neither
   * connected nor reconnecting); undefined when one can, now or after the reconnection.
   */
  unavailable(): PieChatError | undefined;
  /** The server's limits, once connected. */
  limits(): ServerLimits | undefined;
  /** Sends a request and resolves with its checked `ok`. */
  request<T>(message: { t: string; [field: string]: unknown }, parse: (ok: WireObject) => T): Promise<T>;
  /** A fresh stream id on the current connection. */
  nextStream(): number;
  /**
   * Reports progress on the transfer's and the client's `progress` events; a listener that throws
   * is reported on the client's `error` event.
   */
  progress(transfer: Transfer<FileInfo>, progress: TransferProgress): void;
  /** Flow-control window granted to the server for downloads. */
  readonly windowBytes: number;
}

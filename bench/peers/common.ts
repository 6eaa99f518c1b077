/**
 * Helpers shared by the peer adapters (socket.io, ws, node:net NDJSON): the small pieces every hand-written
 * chat needs anyway (pending round trips, upload digests, drain waits, loopback listening), written once so
 * that the adapters differ only where the libraries differ.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { PEER_CHUNK_BYTES } from './types.js';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** Largest message a peer server accepts (socket.io `maxHttpBufferSize`, ws `maxPayload`, NDJSON line). */
export const MAX_MESSAGE_BYTES = 2 * MiB;

/** A peer client uploading waits for its local send buffer to drain once it holds this much. */
export const UPLOAD_HIGH_WATER = MiB;

/** What a peer server answers at the end of an upload. */
export interface UploadReceipt {
  bytes: number;
  sha256: string;
}

/** Parses a JSON object, or returns `undefined` for anything else. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` looks like an {@link UploadReceipt}. */
export function isReceipt(value: unknown): value is UploadReceipt {
  const receipt = value as Partial<UploadReceipt> | null;
  return typeof receipt === 'object' && receipt !== null && typeof receipt.bytes === 'number' && typeof receipt.sha256 === 'string';
}

/**
 * Promises waiting on one connection, keyed (round trips by their unique text, uploads by a fixed key),
 * all rejected at once when the connection is lost.
 */
export class Pending<T> {
  private readonly waiting = new Map<string, { resolve: (value: T) => void; reject: (error: Error) => void }>();
  private error: Error | undefined;

  /** Waits until `settle(key, …)` or `fail(…)`. */
  wait(key: string): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /** Resolves the waiter for `key`; false if there is none. */
  settle(key: string, value: T): boolean {
    const waiter = this.waiting.get(key);
    if (!waiter) return false;
    this.waiting.delete(key);
    waiter.resolve(value);
    return true;
  }

  /** Rejects every waiter, now and later. */
  fail(error: Error): void {
    this.error ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.error);
    this.waiting.clear();
  }
}

/** The room message handlers of one client. */
export class Handlers {
  private readonly list: ((text: string) => void)[] = [];
  /** Adds a handler. */
  add(handler: (text: string) => void): void {
    this.list.push(handler);
  }
  /** Calls every handler with `text`. */
  emit(text: string): void {
    for (const handler of this.list) handler(text);
  }
}

/** SHA-256 and byte count of an upload, computed while the client reads and sends the file. */
export class UploadDigest {
  private readonly hash = createHash('sha256');
  /** Bytes hashed so far. */
  bytes = 0;

  /** Hashes the next chunk of the file. */
  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** Throws unless the file had `size` bytes. */
  checkSize(size: number): void {
    if (this.bytes !== size) throw new Error(`upload read ${this.bytes} bytes, expected ${size}`);
  }

  /** Throws unless the file had `size` bytes and the server saw the same bytes. */
  verify(size: number, receipt: UploadReceipt): void {
    this.checkSize(size);
    const sha256 = this.hash.digest('hex');
    if (receipt.bytes !== size || receipt.sha256 !== sha256) {
      throw new Error(`upload mismatch: sent ${size} bytes ${sha256}, server saw ${receipt.bytes} bytes ${receipt.sha256}`);
    }
  }
}

/** Server side: hashes upload chunks until `receipt()` ends the upload and starts the next one. */
export class ServerDigest {
  private hash = createHash('sha256');
  private bytes = 0;

  /** Hashes the next chunk received. */
  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  /** Ends the upload: its byte count and hex SHA-256. */
  receipt(): UploadReceipt {
    const receipt = { bytes: this.bytes, sha256: this.hash.digest('hex') };
    this.hash = createHash('sha256');
    this.bytes = 0;
    return receipt;
  }
}

/** Reads `path` in {@link PEER_CHUNK_BYTES} chunks. */
export function readChunks(path: string): ReadStream {
  return createReadStream(path, { highWaterMark: PEER_CHUNK_BYTES });
}

/**
 * Resolves once `pending()` is 0: on the TCP socket's `drain` while Node says the socket needs one (more than
 * its 16 KiB high-water mark queued), otherwise by polling (a few `setImmediate` turns, then every
 * millisecond, so a waiter never spins the CPU away from the other clients in the process). Rejects if the
 * socket is gone while bytes are still queued.
 */
export async function waitDrained(socket: Socket | undefined, pending: () => number): Promise<void> {
  for (let turn = 0; pending() > 0; turn++) {
    if (!socket || socket.destroyed) throw new Error('connection closed before its send buffer drained');
    if (socket.writableNeedDrain) await drainOrClose(socket);
    else if (turn < 8) await new Promise<void>((resolve) => setImmediate(resolve));
    else await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

function drainOrClose(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Listens on 127.0.0.1, port 0, and resolves with the port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Keeps every TCP socket `server` accepts, so that `close()` can end them all. */
export function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

/** Destroys the tracked sockets and resolves once each of them and `server` have closed. */
export async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(
    [...sockets].map((socket) => {
      const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      return gone;
    }),
  );
  await closed;
  await new Promise<void>((resolve) => setTimeout(resolve, 0)); // let libuv finish closing the handles
}

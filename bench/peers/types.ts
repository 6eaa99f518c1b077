/**
 * What every system under comparison provides to the workloads: a chat server in its own
 * process, and clients in another. PieChat, socket.io, ws and a hand-rolled node:net NDJSON chat
 * implement it the way a user of each would.
 */

/** What a server is started for. */
export interface ServerSetup {
  /** `chat`: one room everyone joins; `idle`: connections only, no room; `upload`: chat + file upload. */
  mode: 'chat' | 'idle' | 'upload';
  /** A directory the server may store uploads in (PieChat stores and verifies; peers only hash). */
  storage: string;
}

/** A running server. */
export interface ServerHandle {
  port: number;
  close(): Promise<void>;
}

/** One connected client, joined to the benchmark room (except in `idle` mode). */
export interface BenchClient {
  /** Says `text` in the room, without waiting (a fan-out sender). */
  send(text: string): void;
  /**
   * Says `text` in the room and resolves when the server has confirmed it to this client: PieChat
   * acknowledges `send()`; the peers broadcast to the whole room, sender included.
   */
  roundTrip(text: string): Promise<void>;
  /** Calls `handler` for each room message from another client (the peers' own echoes are filtered). */
  onMessage(handler: (text: string) => void): void;
  /** Bytes queued locally, not yet handed to the kernel. */
  buffered(): number;
  /** Resolves when the local send buffer has drained. */
  drained(): Promise<void>;
  /**
   * Uploads the file at `path` (`size` bytes) and resolves when the server confirmed it: PieChat
   * through `sendFile` (stored and SHA-256-verified); the peers in 64 KiB binary chunks that the
   * server hashes.
   */
  upload(path: string, size: number): Promise<void>;
  /**
   * Downloads the last file this client uploaded into `directory` (PieChat only: the peers have no
   * storage to download from).
   */
  downloadLast?(directory: string): Promise<void>;
  close(): Promise<void>;
}

/** A system under comparison. */
export interface Peer {
  /** Short name used in the report. */
  name: string;
  /** Only the transfer workloads are run for this peer (a diagnostic variant). */
  uploadsOnly?: boolean;
  /** Starts the server (in the server process). */
  startServer(setup: ServerSetup): Promise<ServerHandle>;
  /** Connects one client named `name` (in the client process). */
  connect(port: number, name: string, mode: ServerSetup['mode']): Promise<BenchClient>;
}

/** The room every benchmark client joins. */
export const BENCH_ROOM = 'bench';

/** Size of each upload chunk the peers send. */
export const PEER_CHUNK_BYTES = 64 * 1024;

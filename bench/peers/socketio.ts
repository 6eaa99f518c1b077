/**
 * socket.io 4 as a socket.io user would write the benchmark chat: websocket transport only, no
 * compression, rooms and `io.to(room).emit` on the server, event acks for the upload window.
 */
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import type { WebSocket } from 'ws';
import {
  Handlers, isReceipt, listenLoopback, MAX_MESSAGE_BYTES, Pending, readChunks, ServerDigest,
  trackSockets, closeServer, UploadDigest, waitDrained, type UploadReceipt,
} from './common.js';
import { BENCH_ROOM, type BenchClient, type Peer, type ServerHandle, type ServerSetup } from './types.js';

/** A room message as the server stamps it. */
interface Stamped {
  from: string;
  room: string;
  text: string;
  seq: number;
}

/** Events a client emits. */
interface ClientToServer {
  say: (text: string) => void;
  chunk: (data: Buffer, ack: () => void) => void;
  'upload-end': (ack: (receipt: UploadReceipt) => void) => void;
}

/** Events the server emits. */
interface ServerToClient {
  joined: () => void;
  msg: (message: Stamped) => void;
}

/** Upload chunks a client keeps in flight without an ack (16 × 64 KiB = 1 MiB). */
const UPLOAD_WINDOW = 16;

async function startServer(_setup: ServerSetup): Promise<ServerHandle> {
  const http = createServer();
  const sockets = trackSockets(http);
  const server = new Server<ClientToServer, ServerToClient>(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    serveClient: false,
  });
  const seqs = new Map<string, number>();

  server.on('connection', (socket) => {
    const { name, mode } = socket.handshake.query;
    const from = typeof name === 'string' ? name : socket.id;
    const digest = new ServerDigest();
    if (mode !== 'idle') void socket.join(BENCH_ROOM); // synchronous with the default in-memory adapter
    socket.emit('joined');

    socket.on('say', (text) => {
      if (typeof text !== 'string' || !socket.rooms.has(BENCH_ROOM)) return;
      const seq = (seqs.get(BENCH_ROOM) ?? 0) + 1;
      seqs.set(BENCH_ROOM, seq);
      server.to(BENCH_ROOM).emit('msg', { from, room: BENCH_ROOM, text, seq });
    });
    socket.on('chunk', (data, ack) => {
      if (Buffer.isBuffer(data)) digest.update(data);
      if (typeof ack === 'function') ack();
    });
    socket.on('upload-end', (ack) => {
      if (typeof ack === 'function') ack(digest.receipt());
    });
  });

  const port = await listenLoopback(http);
  return {
    port,
    async close() {
      const closed = closeServer(http, sockets);
      await server.close(); // disconnects every socket.io socket and closes the HTTP server
      await closed;
    },
  };
}

async function connect(port: number, name: string, mode: ServerSetup['mode']): Promise<BenchClient> {
  const socket: Socket<ServerToClient, ClientToServer> = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false, // a lost connection must fail the benchmark, not be papered over
    query: { name, mode },
  });
  // Backpressure: socket.io has no public send-buffer API. Bytes queued locally live in two places:
  // (1) `engine.writeBuffer`, the engine.io packets not yet handed to the transport (public on the engine
  // socket; it only fills within one tick, because the websocket transport reports itself writable again
  // on the next tick whatever the TCP socket's state), and (2) the `ws` WebSocket under the engine.io
  // websocket transport (`transport.ws`, a protected field), whose `bufferedAmount` counts the bytes
  // its TCP socket has not handed to the kernel yet. The engine creates that WebSocket synchronously in
  // `io()`, before the HTTP upgrade completes, so its public `upgrade` event hands us the TCP socket, and
  // `drained()` sleeps on that socket's `drain` event instead of polling.
  const engine = socket.io.engine;
  const ws = (engine.transport as unknown as { ws?: WebSocket }).ws;
  if (!ws) throw new Error('socket.io-client: engine.io websocket transport has no ws WebSocket');
  let tcp: NetSocket | undefined;
  ws.once('upgrade', (response: IncomingMessage) => {
    tcp = response.socket;
  });

  const trips = new Pending<void>();
  const acks = new Pending<void>();
  const receipts = new Pending<UploadReceipt>();
  const handlers = new Handlers();
  socket.on('msg', (message) => {
    if (message.from !== name) handlers.emit(message.text);
    else trips.settle(message.text, undefined);
  });
  socket.on('disconnect', (reason) => {
    const error = new Error(`socket.io connection lost: ${reason}`);
    for (const pending of [trips, acks, receipts]) pending.fail(error);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('joined', resolve);
    socket.once('connect_error', reject);
    socket.once('disconnect', (reason) => reject(new Error(`socket.io connection lost: ${reason}`)));
  });

  // Approximate bytes in `engine.writeBuffer`, counted incrementally (a sender calls `buffered()` after
  // every send): recounted when the engine flushed (spliced the head off) or replaced the array.
  let countedArray: unknown[] | undefined;
  let countedHead: unknown;
  let countedLength = 0;
  let countedBytes = 0;
  const writeBufferBytes = (): number => {
    const packets = engine.writeBuffer;
    if (packets !== countedArray || packets[0] !== countedHead || packets.length < countedLength) {
      countedArray = packets;
      countedHead = packets[0];
      countedLength = 0;
      countedBytes = 0;
    }
    for (; countedLength < packets.length; countedLength++) {
      const data: unknown = packets[countedLength]?.data;
      countedBytes += typeof data === 'string' ? data.length : ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0;
    }
    return countedBytes;
  };
  const buffered = (): number => ws.bufferedAmount + writeBufferBytes();

  return {
    send(text) {
      socket.emit('say', text);
    },
    roundTrip(text) {
      const done = trips.wait(text);
      socket.emit('say', text);
      return done;
    },
    onMessage(handler) {
      handlers.add(handler);
    },
    buffered,
    drained: () => waitDrained(tcp, buffered),
    async upload(path, size) {
      const digest = new UploadDigest();
      let inFlight = 0;
      const acked = (): void => {
        inFlight--;
        acks.settle('window', undefined);
      };
      for await (const chunk of readChunks(path)) {
        const data = chunk as Buffer;
        digest.update(data);
        while (inFlight >= UPLOAD_WINDOW) await acks.wait('window');
        inFlight++;
        socket.emit('chunk', data, acked);
      }
      const receipt = receipts.wait('upload');
      socket.emit('upload-end', (answer) => {
        if (isReceipt(answer)) receipts.settle('upload', answer);
        else receipts.fail(new Error('socket.io: malformed upload receipt'));
      });
      digest.verify(size, await receipt);
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) resolve();
        else ws.once('close', () => resolve());
      });
      socket.disconnect(); // closes the Manager, the engine and the WebSocket (forceNew: not shared)
      await closed;
    },
  };
}

/** socket.io 4, websocket transport only, one room broadcast with `io.to(room).emit`. */
export const socketio: Peer = { name: 'socket.io', startServer, connect };

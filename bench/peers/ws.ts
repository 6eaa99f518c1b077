/**
 * ws 8 as a ws user would write the benchmark chat: an HTTP server with a `WebSocketServer`, a
 * hand-written room map, JSON text messages, binary messages for upload chunks.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  closeServer, Handlers, isReceipt, listenLoopback, MAX_MESSAGE_BYTES, parseObject, Pending, readChunks,
  ServerDigest, trackSockets, UPLOAD_HIGH_WATER, UploadDigest, waitDrained, type UploadReceipt,
} from './common.js';
import { BENCH_ROOM, type BenchClient, type Peer, type ServerHandle, type ServerSetup } from './types.js';

const JOINED = JSON.stringify({ t: 'joined' });
const END = JSON.stringify({ t: 'end' });

function asBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

async function startServer(_setup: ServerSetup): Promise<ServerHandle> {
  const http = createServer((_request, response) => response.writeHead(426).end());
  const sockets = trackSockets(http);
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES });
  const rooms = new Map<string, Set<WebSocket>>();
  const seqs = new Map<string, number>();

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const name = query.get('name') ?? 'anonymous';
    const digest = new ServerDigest();
    let room: Set<WebSocket> | undefined;
    if (query.get('mode') !== 'idle') {
      room = rooms.get(BENCH_ROOM) ?? new Set();
      rooms.set(BENCH_ROOM, room);
      room.add(socket);
    }
    socket.send(JOINED);

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return digest.update(asBuffer(data));
      const message = parseObject(asBuffer(data).toString());
      if (message?.t === 'say' && typeof message.text === 'string' && room) {
        const seq = (seqs.get(BENCH_ROOM) ?? 0) + 1;
        seqs.set(BENCH_ROOM, seq);
        const line = JSON.stringify({ t: 'msg', from: name, room: BENCH_ROOM, text: message.text, seq });
        for (const member of room) member.send(line);
      } else if (message?.t === 'end') {
        socket.send(JSON.stringify({ t: 'uploaded', ...digest.receipt() }));
      }
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      room?.delete(socket);
      if (room?.size === 0) rooms.delete(BENCH_ROOM);
    });
  });

  const port = await listenLoopback(http);
  return {
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(http, sockets);
    },
  };
}

async function connect(port: number, name: string, mode: ServerSetup['mode']): Promise<BenchClient> {
  const query = new URLSearchParams({ name, mode });
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?${query}`, { perMessageDeflate: false });
  // ws has no `drain` event on the WebSocket; its public `upgrade` event hands us the HTTP response,
  // whose `socket` is the TCP socket the WebSocket then uses, so `drained()` sleeps on its `drain`.
  let tcp: Socket | undefined;
  socket.once('upgrade', (response: IncomingMessage) => {
    tcp = response.socket;
  });

  const trips = new Pending<void>();
  const receipts = new Pending<UploadReceipt>();
  const handlers = new Handlers();
  const joined = new Pending<void>();
  const joinedPromise = joined.wait('joined');

  socket.on('message', (data: RawData) => {
    const message = parseObject(asBuffer(data).toString());
    if (!message) return;
    if (message.t === 'msg' && typeof message.text === 'string') {
      if (message.from !== name) handlers.emit(message.text);
      else trips.settle(message.text, undefined);
    } else if (message.t === 'uploaded') {
      const receipt = { bytes: message.bytes, sha256: message.sha256 };
      if (isReceipt(receipt)) receipts.settle('upload', receipt);
    } else if (message.t === 'joined') {
      joined.settle('joined', undefined);
    }
  });
  socket.on('error', () => undefined); // reported through `close` below
  socket.on('close', (code: number) => {
    const error = new Error(`ws connection closed (${code})`);
    for (const pending of [trips, receipts, joined]) pending.fail(error);
  });
  await joinedPromise;

  const buffered = (): number => socket.bufferedAmount;
  const drained = (): Promise<void> => waitDrained(tcp, buffered);

  return {
    send(text) {
      socket.send(JSON.stringify({ t: 'say', text }));
    },
    roundTrip(text) {
      const done = trips.wait(text);
      socket.send(JSON.stringify({ t: 'say', text }));
      return done;
    },
    onMessage(handler) {
      handlers.add(handler);
    },
    buffered,
    drained,
    async upload(path, size) {
      const digest = new UploadDigest();
      const receipt = receipts.wait('upload');
      receipt.catch(() => undefined); // awaited below; a loss while sending surfaces from drained()
      for await (const chunk of readChunks(path)) {
        const data = chunk as Buffer;
        digest.update(data);
        socket.send(data);
        if (socket.bufferedAmount >= UPLOAD_HIGH_WATER) await drained();
      }
      socket.send(END);
      digest.verify(size, await receipt);
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close();
      await closed;
    },
  };
}

/** ws 8 with a hand-written room broadcast: one `JSON.stringify`, one `send` per member. */
export const ws: Peer = { name: 'ws', startServer, connect };

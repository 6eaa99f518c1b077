/**
 * The chat a competent developer would hand-roll on `node:net`: newline-delimited JSON, Nagle off, one
 * serialisation per broadcast. Uploads come in two flavours sharing one server:
 * - {@link netNdjson}: a `{t:'upload', size}` line, then `size` raw bytes (the connection carries nothing
 *   else meanwhile: chat sent during the upload waits until the file is through);
 * - {@link netNdjsonInterleaved}: `{t:'chunk', data}` lines of 64 KiB base64-encoded, so chat lines travel
 *   between chunks on the same connection.
 */
import { createServer, connect as netConnect, type Socket } from 'node:net';
import {
  closeServer, Handlers, isReceipt, listenLoopback, MAX_MESSAGE_BYTES, parseObject, Pending, readChunks,
  ServerDigest, trackSockets, UPLOAD_HIGH_WATER, UploadDigest, waitDrained, type UploadReceipt,
} from './common.js';
import { BENCH_ROOM, type BenchClient, type Peer, type ServerHandle, type ServerSetup } from './types.js';

const NEWLINE = 0x0a;
const line = (value: object): string => JSON.stringify(value) + '\n';

async function startServer(_setup: ServerSetup): Promise<ServerHandle> {
  const room = new Set<Socket>();
  let seq = 0;
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let name = '';
    let member = false;
    let rawLeft = 0; // > 0: the next bytes are upload data, not lines
    const digest = new ServerDigest();
    let partial: Buffer[] = []; // bytes of an unfinished line
    let partialBytes = 0;

    const onLine = (text: string): void => {
      const message = parseObject(text);
      if (!message) return void socket.destroy();
      switch (message.t) {
        case 'say':
          if (!member || typeof message.text !== 'string') return;
          {
            const out = line({ t: 'msg', from: name, room: BENCH_ROOM, text: message.text, seq: ++seq });
            for (const other of room) other.write(out);
          }
          return;
        case 'chunk':
          if (typeof message.data === 'string') digest.update(Buffer.from(message.data, 'base64'));
          return;
        case 'end':
          socket.write(line({ t: 'uploaded', ...digest.receipt() }));
          return;
        case 'upload':
          if (typeof message.size !== 'number' || !Number.isSafeInteger(message.size) || message.size < 0) return void socket.destroy();
          rawLeft = message.size;
          if (rawLeft === 0) socket.write(line({ t: 'uploaded', ...digest.receipt() }));
          return;
        case 'hello':
          name = typeof message.name === 'string' ? message.name : 'anonymous';
          member = message.mode !== 'idle';
          if (member) room.add(socket);
          socket.write(line({ t: 'joined' }));
          return;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length) {
        if (rawLeft > 0) {
          const take = Math.min(rawLeft, chunk.length - at);
          digest.update(chunk.subarray(at, at + take));
          rawLeft -= take;
          at += take;
          if (rawLeft === 0) socket.write(line({ t: 'uploaded', ...digest.receipt() }));
          continue;
        }
        const end = chunk.indexOf(NEWLINE, at);
        if (end === -1) {
          partial.push(chunk.subarray(at));
          partialBytes += chunk.length - at;
          if (partialBytes > MAX_MESSAGE_BYTES) socket.destroy();
          return;
        }
        let text: string;
        if (partial.length === 0) text = chunk.toString('utf8', at, end);
        else {
          partial.push(chunk.subarray(at, end));
          text = Buffer.concat(partial).toString('utf8');
          partial = [];
          partialBytes = 0;
        }
        at = end + 1;
        onLine(text);
        if (socket.destroyed) return;
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => room.delete(socket));
  });
  const sockets = trackSockets(server);
  const port = await listenLoopback(server);
  return { port, close: () => closeServer(server, sockets) };
}

async function connectClient(port: number, name: string, mode: ServerSetup['mode'], interleaved: boolean): Promise<BenchClient> {
  const socket = netConnect({ host: '127.0.0.1', port, noDelay: true });
  socket.setEncoding('utf8');
  const trips = new Pending<void>();
  const receipts = new Pending<UploadReceipt>();
  const joined = new Pending<void>();
  const joinedPromise = joined.wait('joined');
  const handlers = new Handlers();
  let rest = ''; // an unfinished line

  const onLine = (text: string): void => {
    const message = parseObject(text);
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
  };
  socket.on('data', (data: string) => {
    const lines = data.split('\n');
    const last = lines.length - 1;
    if (last === 0) {
      rest += data;
      return;
    }
    onLine(rest + lines[0]);
    for (let i = 1; i < last; i++) onLine(lines[i] ?? '');
    rest = lines[last] ?? '';
  });
  socket.on('error', () => undefined); // reported through `close` below
  socket.on('close', () => {
    const error = new Error('node:net connection closed');
    for (const pending of [trips, receipts, joined]) pending.fail(error);
  });
  socket.write(line({ t: 'hello', name, mode }));
  await joinedPromise;

  // While a raw upload owns the byte stream, chat lines wait here and follow the file.
  let held: string[] | undefined;
  let heldBytes = 0;
  const say = (text: string): void => {
    const out = line({ t: 'say', text });
    if (!held) socket.write(out);
    else {
      held.push(out);
      heldBytes += out.length;
    }
  };
  const buffered = (): number => socket.writableLength + heldBytes;
  const drained = (): Promise<void> => waitDrained(socket, () => socket.writableLength);

  const upload = async (path: string, size: number): Promise<void> => {
    const digest = new UploadDigest();
    const receipt = receipts.wait('upload');
    receipt.catch(() => undefined); // awaited below; a loss while sending surfaces from drained()
    if (!interleaved) {
      socket.write(line({ t: 'upload', size }));
      held = [];
    }
    try {
      for await (const chunk of readChunks(path)) {
        const data = chunk as Buffer;
        digest.update(data);
        if (interleaved) socket.write(line({ t: 'chunk', data: data.toString('base64') }));
        else if (digest.bytes <= size) socket.write(data);
        if (socket.writableLength >= UPLOAD_HIGH_WATER) await drained();
      }
    } finally {
      if (!interleaved && digest.bytes !== size) socket.destroy(); // else the server waits for bytes forever
      const lines = held ?? [];
      held = undefined;
      heldBytes = 0;
      for (const out of lines) socket.write(out);
    }
    digest.checkSize(size);
    if (interleaved) socket.write(line({ t: 'end' }));
    digest.verify(size, await receipt);
  };

  return {
    send: say,
    roundTrip(text) {
      const done = trips.wait(text);
      say(text);
      return done;
    },
    onMessage(handler) {
      handlers.add(handler);
    },
    buffered,
    drained,
    upload,
    async close() {
      if (socket.closed) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.end();
      await closed;
    },
  };
}

/** Hand-rolled node:net NDJSON chat; uploads send raw bytes after an `upload` line (chat waits for them). */
export const netNdjson: Peer = {
  name: 'node:net NDJSON',
  startServer,
  connect: (port, name, mode) => connectClient(port, name, mode, false),
};

/**
 * The same server and chat; uploads send 64 KiB of file data per base64 `chunk` line, so chat lines are
 * interleaved with the upload on the one connection (for the chat-during-upload workload).
 */
export const netNdjsonInterleaved: Peer = {
  name: 'node:net NDJSON (base64 chunks)',
  startServer,
  connect: (port, name, mode) => connectClient(port, name, mode, true),
};

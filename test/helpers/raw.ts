import { connect, type Socket } from 'node:net';
import { PROTOCOL_VERSION, type FrameTypeValue } from '../../lib/protocol/constants.js';
import { FrameDecoder } from '../../lib/protocol/decoder.js';
import { encodeControl, encodePreamble } from '../../lib/protocol/encoder.js';
import { Waiters } from './waiters.js';

/** A frame as a raw client saw it. */
export interface RawFrame {
  type: FrameTypeValue;
  payload: Buffer;
  /** The parsed JSON of a control frame. */
  json?: Record<string, unknown>;
}

/**
 * A hand-driven protocol client for tests that must send what a ChatClient never would.
 * Everything received after the server's preamble is decoded into `frames`.
 */
export class RawClient {
  readonly socket: Socket;
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<void>;
  #preamble: Buffer | undefined;
  readonly #waiters = new Waiters();

  private constructor(socket: Socket) {
    this.socket = socket;
    const decoder = new FrameDecoder(
      {
        onFrame: (type, payload) => {
          const frame: RawFrame = { type, payload: Buffer.from(payload) };
          if (type === 1) frame.json = JSON.parse(payload.toString()) as Record<string, unknown>;
          this.frames.push(frame);
          this.#waiters.notify();
        },
      },
      64 * 1024 * 1024,
    );
    socket.on('data', (chunk: Buffer) => {
      if (this.#preamble === undefined || this.#preamble.length < 5) {
        this.#preamble = Buffer.concat([this.#preamble ?? Buffer.alloc(0), chunk]);
        if (this.#preamble.length < 5) return;
        chunk = this.#preamble.subarray(5);
      }
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('end', () => this.#waiters.notify());
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#waiters.notify();
        resolve();
      }),
    );
  }

  /** Connects and sends the preamble, and a hello as `name` unless `name` is undefined. */
  static async open(port: number, name?: string): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    socket.write(encodePreamble(PROTOCOL_VERSION));
    if (name !== undefined) {
      client.send({ t: 'hello', name });
      await client.waitFor((frame) => frame.json?.t === 'welcome');
    }
    return client;
  }

  /** Sends a control message. */
  send(message: object): void {
    this.socket.write(encodeControl(message));
  }

  /** Sends raw bytes. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first frame (already received or to come) that `accept`s. */
  waitFor(accept: (frame: RawFrame) => boolean, timeoutMs = 5_000): Promise<RawFrame> {
    return this.#waiters.until(
      () => this.frames.find(accept),
      () => this.socket.destroyed || this.socket.readableEnded,
      () => `a frame; got ${JSON.stringify(this.frames.map((frame) => frame.json ?? frame.type))}`,
      timeoutMs,
    );
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }

}

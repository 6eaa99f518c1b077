import test from 'ava';
import fc from 'fast-check';
import { connect } from 'node:net';
import { isErrorCode } from '../lib/errors.js';
import { EventEmitter } from 'eventemitter3';
import type { ChatClient, ChatMessage } from '../lib/index.js';
import { FrameType } from '../lib/protocol/constants.js';
import { FrameDecoder } from '../lib/protocol/decoder.js';
import { encodeControl, encodeFrame, encodePreamble } from '../lib/protocol/encoder.js';
import { collect, withServer } from './helpers/chat.js';

/** Codes that end a connection (an `err` without a request number). */
const FATAL_CODES = new Set(['ERR_PROTOCOL', 'ERR_FRAME_TOO_LARGE', 'ERR_TIMEOUT', 'ERR_NAME_TAKEN', 'ERR_INVALID_NAME']);
const MAX_FRAME = 64 * 1024 + 64;

/** What the server did with one hostile connection. */
interface Outcome {
  /** Codes of `err` replies to requests (the connection stays). */
  refusals: string[];
  /** Codes of `err` messages that closed the connection. */
  fatal: string[];
  closedByServer: boolean;
}

/** Every code is documented, and every closing error is one a bad connection may get. */
const wellExplained = (outcome: Outcome): boolean =>
  outcome.refusals.every((code) => isErrorCode(code)) && outcome.fatal.every((code) => FATAL_CODES.has(code));

/** Writes `bytes`, half-closes, and records every `err` the server sent until it closed. */
function throwAt(port: number, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const refusals: string[] = [];
    const fatal: string[] = [];
    let preamble = Buffer.alloc(0);
    let endedByServer = false;
    const decoder = new FrameDecoder(
      {
        onFrame: (type, payload) => {
          if (type !== FrameType.Control) return;
          const message = JSON.parse(payload.toString()) as { t: string; r?: number; code?: string };
          if (message.t === 'err') (message.r === undefined ? fatal : refusals).push(String(message.code));
        },
      },
      16 * 1024 * 1024,
    );
    socket.on('data', (chunk: Buffer) => {
      if (preamble.length < 5) {
        preamble = Buffer.concat([preamble, chunk]);
        if (preamble.length < 5) return;
        chunk = preamble.subarray(5);
      }
      try {
        decoder.push(chunk);
      } catch {
        // The server sent something this test cannot parse: recorded as a missing err.
      }
    });
    socket.on('end', () => (endedByServer = true));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ refusals, fatal, closedByServer: endedByServer }));
    socket.on('connect', () => {
      socket.write(bytes);
      // Half-close only after the server had a chance to answer a complete stream.
      setImmediate(() => socket.end());
    });
  });
}

const jsonPayload = fc.oneof(
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value))),
  fc
    .record({
      t: fc.constantFrom('hello', 'send', 'join', 'leave', 'users', 'rooms', 'ok', 'err', 'upload', '__proto__', 'constructor'),
      r: fc.oneof(fc.nat(), fc.integer(), fc.string(), fc.constant(null)),
      room: fc.oneof(fc.constantFrom('lobby', '__proto__', '', 'x'.repeat(300)), fc.string()),
      text: fc.oneof(fc.string(), fc.nat(), fc.constant(null)),
      name: fc.string(),
    }, { requiredKeys: ['t'] })
    .map((value) => Buffer.from(JSON.stringify(value))),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

const anyFrame = fc.oneof(
  jsonPayload.map((payload) => encodeFrame(FrameType.Control, payload)),
  fc.uint8Array({ maxLength: 64 }).map((payload) => encodeFrame(FrameType.Data, payload)),
  fc.uint8Array({ maxLength: 12 }).map((payload) => encodeFrame(FrameType.Ping, payload)),
  fc.tuple(fc.integer({ min: 5, max: 255 }), fc.uint8Array({ maxLength: 32 })).map(([type, payload]) => encodeFrame(type as never, payload)),
);

/** A frame no server may accept: an unknown type, or a length over the limit. */
const fatalFrame = fc.oneof(
  fc.constant(encodeFrame(0xee as never, Buffer.from('bad'))),
  fc.integer({ min: MAX_FRAME + 1, max: 0xffffffff }).map((length) => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(length, 0);
    header[4] = FrameType.Control;
    return header;
  }),
);

let nextName = 0;
const structuredStream = fc.tuple(fc.boolean(), fc.array(anyFrame, { maxLength: 8 }), fatalFrame).map(([hello, frames, fatal]) =>
  Buffer.concat([
    encodePreamble(1),
    hello ? encodeControl({ t: 'hello', name: `fuzz${nextName++}` }) : Buffer.alloc(0),
    ...frames,
    fatal,
  ]),
);

const validSession = (): Buffer =>
  Buffer.concat([
    encodePreamble(1),
    encodeControl({ t: 'hello', name: `mut${nextName++}` }),
    encodeControl({ t: 'join', r: 1, room: 'fuzz' }),
    encodeControl({ t: 'send', r: 2, cid: 'a', text: 'hello', room: 'fuzz' }),
    encodeControl({ t: 'users', r: 3 }),
  ]);

const mutatedStream = fc
  .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { minLength: 1, maxLength: 6 })
  .map((mutations) => {
    const bytes = [...validSession()];
    for (const [position, value, kind] of mutations) {
      const index = 5 + (position % Math.max(1, bytes.length - 5));
      if (kind === 'flip') bytes[index] = value;
      else if (kind === 'insert') bytes.splice(index, 0, value);
      else bytes.splice(index, 1);
    }
    return Buffer.from(bytes);
  });

/** Keeps a well-behaved pair chatting in the same room, checking order, until stopped. */
function keepChatting(alice: ChatClient, bob: ChatClient): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  // Hostile connections share the lobby and may chat there too: only alice's messages count.
  const received: ChatMessage[] = [];
  const ticks = new EventEmitter<{ tick: (message: ChatMessage) => void }>();
  bob.on('message', (message) => {
    if (message.from !== 'alice') return;
    received.push(message);
    ticks.emit('tick', message);
  });
  const seen = collect(ticks, 'tick');
  const loop = (async () => {
    while (running) {
      await alice.send(`tick ${sent}`, { room: 'lobby' });
      sent++;
      await seen.atLeast(sent);
    }
  })();
  loop.catch(() => {}); // Reported by stop(); the test may end early on another failure.
  return {
    async stop() {
      running = false;
      await loop;
      if (!received.every((message, index) => message.text === `tick ${index}`)) throw new Error('Messages out of order');
      return sent;
    },
  };
}

test('1,000 random and mutated byte streams: the server never falls, bad connections get an error, a good pair keeps chatting', (t) =>
  withServer(
    t,
    async ({ server, port, connect: connectClient }) => {
      const serverErrors = collect(server, 'error');
      const [alice, bob] = await Promise.all([connectClient('alice'), connectClient('bob')]);
      const chatter = keepChatting(alice, bob);

      await fc.assert(
        fc.asyncProperty(structuredStream, async (bytes) => {
          const outcome = await throwAt(port, bytes);
          return outcome.closedByServer && outcome.fatal.length === 1 && wellExplained(outcome);
        }),
        { numRuns: 600 },
      );
      await fc.assert(
        fc.asyncProperty(mutatedStream, async (bytes) => {
          const outcome = await throwAt(port, bytes);
          return outcome.fatal.length <= 1 && wellExplained(outcome);
        }),
        { numRuns: 300 },
      );
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 512 }), async (bytes) => {
          // No preamble: a line-mode "user" typing garbage. It must not hurt anyone.
          const outcome = await throwAt(port, Buffer.from(bytes));
          return outcome.fatal.length === 0 && outcome.refusals.length === 0;
        }),
        { numRuns: 100 },
      );

      const ticks = await chatter.stop();
      t.true(ticks > 0, 'the good pair chatted during the fuzzing');
      t.deepEqual(serverErrors, [], 'no listener or accept errors');
      t.deepEqual(
        server.users().map((user) => user.name).sort(),
        ['alice', 'bob'],
        'every hostile connection is gone',
      );
      const message = await alice.send('after the storm', { room: 'lobby' });
      t.is(message.from, 'alice');
    },
    // Hostile connections that end without a bye would otherwise be kept for a resume.
    { maxFrameBytes: MAX_FRAME, handshakeTimeoutMs: 1_000, maxMessageBytes: 4096, resumeGraceMs: 0, maxMessagesPerSecond: 0 },
  ));

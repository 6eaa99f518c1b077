import test from 'ava';
import fc from 'fast-check';
import { PieChatError } from '../../lib/errors.js';
import { FrameType, type FrameTypeValue } from '../../lib/protocol/constants.js';
import { FrameDecoder, parseDataFrame } from '../../lib/protocol/decoder.js';
import { encodeControl, encodeData, encodeFrame, encodePing } from '../../lib/protocol/encoder.js';

interface Frame {
  type: FrameTypeValue;
  payload: Buffer;
}

function decoder(max = 1024 * 1024): { decoder: FrameDecoder; frames: Frame[] } {
  const frames: Frame[] = [];
  return { decoder: new FrameDecoder({ onFrame: (type, payload) => frames.push({ type, payload: Buffer.from(payload) }) }, max), frames };
}

// A control frame carrying {"t":"x"}: length 9, type 1, then the JSON.
const CONTROL_FIXTURE = Buffer.from('00000009' + '01' + Buffer.from('{"t":"x"}').toString('hex'), 'hex');
// A data frame: stream 7, offset 2^32 + 5, chunk "abc".
const DATA_FIXTURE = Buffer.from('0000000f' + '02' + '00000007' + '00000001' + '00000005' + '616263', 'hex');
// An empty ping.
const PING_FIXTURE = Buffer.from('0000000003', 'hex');

test('the encoder produces the documented byte layouts', (t) => {
  t.deepEqual(encodeControl({ t: 'x' }), CONTROL_FIXTURE);
  t.deepEqual(encodeData(7, 2 ** 32 + 5, Buffer.from('abc')), DATA_FIXTURE);
  t.deepEqual(encodePing(), PING_FIXTURE);
});

test('fixtures fed one byte at a time decode to the same frames', (t) => {
  const { decoder: d, frames } = decoder();
  const stream = Buffer.concat([CONTROL_FIXTURE, DATA_FIXTURE, PING_FIXTURE]);
  for (const byte of stream) d.push(Buffer.of(byte));
  t.is(frames.length, 3);
  t.is(frames[0]!.type, FrameType.Control);
  t.is(frames[0]!.payload.toString(), '{"t":"x"}');
  t.is(frames[1]!.type, FrameType.Data);
  t.deepEqual(parseDataFrame(frames[1]!.payload), { stream: 7, offset: 2 ** 32 + 5, chunks: [Buffer.from('abc')], length: 3 });
  t.is(frames[2]!.type, FrameType.Ping);
  t.is(frames[2]!.payload.length, 0);
  t.is(d.buffered, 0);
});

test('many frames in one chunk are all delivered, in order', (t) => {
  const { decoder: d, frames } = decoder();
  const messages = Array.from({ length: 500 }, (_, index) => encodeControl({ t: 'msg', index }));
  d.push(Buffer.concat(messages));
  t.is(frames.length, 500);
  t.deepEqual(
    frames.map((frame) => JSON.parse(frame.payload.toString()).index),
    Array.from({ length: 500 }, (_, index) => index),
  );
});

test('a frame split across chunks waits for its last byte', (t) => {
  const { decoder: d, frames } = decoder();
  const frame = encodeControl({ t: 'msg', text: 'x'.repeat(70_000) });
  d.push(frame.subarray(0, 3));
  d.push(frame.subarray(3, 40_000));
  t.is(frames.length, 0);
  t.is(d.buffered, 40_000);
  d.push(Buffer.concat([frame.subarray(40_000), CONTROL_FIXTURE.subarray(0, 2)]));
  t.is(frames.length, 1);
  t.is(d.buffered, 2);
});

test('an oversize frame is refused from its header, before its payload arrives', (t) => {
  const { decoder: d, frames } = decoder(100);
  const error = t.throws(() => d.push(Buffer.from('0000006501', 'hex')), { instanceOf: PieChatError });
  t.is(error?.code, 'ERR_FRAME_TOO_LARGE');
  t.is(frames.length, 0);
  d.push(CONTROL_FIXTURE);
  t.is(frames.length, 0, 'a failed decoder delivers nothing more');
});

test('unknown frame types and impossible lengths are protocol errors', (t) => {
  for (const hex of ['0000000009', '0000000001', '0000000402', '0000000903' + '00'.repeat(9), '0000000000'.slice(0, 8) + '01']) {
    const { decoder: d } = decoder();
    const error = t.throws(() => d.push(Buffer.from(hex, 'hex')), { instanceOf: PieChatError }, hex);
    t.is(error?.code, 'ERR_PROTOCOL', hex);
  }
});

test('a data frame offset beyond 2^53 is a protocol error', (t) => {
  const payload = Buffer.from('00000001' + '00200000' + '00000000', 'hex');
  const error = t.throws(() => parseDataFrame(payload), { instanceOf: PieChatError });
  t.is(error?.code, 'ERR_PROTOCOL');
});

const frameArbitrary = fc.oneof(
  fc.record({ t: fc.constantFrom('msg', 'join', 'ok'), text: fc.string({ maxLength: 300 }), n: fc.nat() }).map((message) => ({
    type: FrameType.Control as FrameTypeValue,
    payload: Buffer.from(JSON.stringify(message)),
  })),
  fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ maxLength: 2048 })).map(([stream, offset, chunk]) => ({
    type: FrameType.Data as FrameTypeValue,
    payload: encodeData(stream, offset, chunk).subarray(5),
  })),
  fc.uint8Array({ maxLength: 8 }).map((payload) => ({ type: FrameType.Ping as FrameTypeValue, payload: Buffer.from(payload) })),
);

test('property: encode, split at random points, decode is the identity', (t) => {
  t.notThrows(() =>
  fc.assert(
    fc.property(fc.array(frameArbitrary, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (input, cuts) => {
      const bytes = Buffer.concat(input.map((frame) => encodeFrame(frame.type, frame.payload)));
      const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
      const { decoder: d, frames } = decoder();
      let start = 0;
      for (const point of [...points, bytes.length]) {
        d.push(bytes.subarray(start, point));
        start = point;
      }
      return (
        frames.length === input.length &&
        frames.every((frame, index) => frame.type === input[index]!.type && frame.payload.equals(input[index]!.payload)) &&
        d.buffered === 0
      );
    }),
    { numRuns: 300 },
  ));
});

test('property: with an onData sink, split data frames arrive as their pieces, never joined, and intact', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 1000 }), fc.nat({ max: 2 ** 40 }), fc.uint8Array({ minLength: 0, maxLength: 3000 })), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map(([stream, offset, chunk]) => encodeData(stream, offset, chunk)));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const seen: Array<{ stream: number; offset: number; bytes: Buffer; pieces: number }> = [];
          const d = new FrameDecoder(
            {
              onFrame: () => {
                throw new Error('data frames must not come through onFrame');
              },
              onData: (frame) => seen.push({ stream: frame.stream, offset: frame.offset, bytes: Buffer.concat(frame.chunks), pieces: frame.chunks.length }),
            },
            1024 * 1024,
          );
          let start = 0;
          for (const point of [...points, bytes.length]) {
            d.push(bytes.subarray(start, point));
            start = point;
          }
          return (
            seen.length === frames.length &&
            seen.every((frame, index) => frame.stream === frames[index]![0] && frame.offset === frames[index]![1] && frame.bytes.equals(Buffer.from(frames[index]![2])))
          );
        },
      ),
      { numRuns: 300 },
    ),
  );
});

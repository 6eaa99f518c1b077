import test from 'ava';
import { connect } from 'node:net';
import { FrameType } from '../lib/protocol/constants.js';
import { encodeControl, encodeFrame, encodePreamble } from '../lib/protocol/encoder.js';
import { collect, nextEvent, withServer } from './helpers/chat.js';
import { RawClient } from './helpers/raw.js';

const isErr = (code: string) => (frame: { json?: Record<string, unknown> }) => frame.json?.t === 'err' && frame.json.code === code;

test('an oversize frame gets ERR_FRAME_TOO_LARGE and that connection is closed; everyone else goes on', (t) =>
  withServer(t, async ({ server, port, connect: connectClient }) => {
    const [alice, bob] = await Promise.all([connectClient('alice'), connectClient('bob')]);
    const errors = collect(server, 'client-error');
    const raw = await RawClient.open(port, 'mallory');
    const header = Buffer.alloc(5);
    header.writeUInt32BE(2 * 1024 * 1024, 0);
    header[4] = FrameType.Control;
    raw.write(header);
    await raw.waitFor(isErr('ERR_FRAME_TOO_LARGE'));
    await raw.closed;
    t.is((await errors.atLeast(1))[0]!.error.code, 'ERR_FRAME_TOO_LARGE');
    const received = nextEvent(bob, 'message');
    await alice.send('still here', { room: 'lobby' });
    t.is((await received).text, 'still here');
    t.deepEqual(await bob.users('lobby'), ['alice', 'bob']);
  }));

test('malformed control frames get ERR_PROTOCOL and close only that connection', (t) =>
  withServer(t, async ({ server, port, connect: connectClient }) => {
    const alice = await connectClient('alice');
    const disconnects = collect(server, 'disconnect');
    const cases: Array<[string, Buffer]> = [
      ['not JSON', encodeFrame(FrameType.Control, Buffer.from('{"t":'))],
      ['an array', encodeFrame(FrameType.Control, Buffer.from('[1,2]'))],
      ['no type', encodeControl({ r: 1 })],
      ['unknown type', encodeControl({ t: 'explode', r: 1 })],
      ['wrong field type', encodeControl({ t: 'send', r: 1, text: 5, room: 'lobby' })],
      ['room and to', encodeControl({ t: 'send', r: 1, text: 'x', room: 'lobby', to: 'alice' })],
      ['negative request id', encodeControl({ t: 'users', r: -1 })],
      ['a second hello', encodeControl({ t: 'hello', name: 'again' })],
      ['data for no stream', encodeFrame(FrameType.Data, Buffer.alloc(20))],
      ['unknown frame type', encodeFrame(0x7f as never, Buffer.alloc(3))],
    ];
    for (const [label, frame] of cases) {
      const raw = await RawClient.open(port, `m${cases.findIndex(([name]) => name === label)}`);
      raw.write(frame);
      await t.notThrowsAsync(raw.waitFor(isErr('ERR_PROTOCOL')), label);
      await raw.closed;
    }
    // Every raw client above completed its hello, so each one leaves a disconnect behind.
    await disconnects.atLeast(cases.length);
    t.true(disconnects.every((event) => event.reason === 'error'));
    t.deepEqual(await alice.users(), ['alice']);
  }));

test('a frame before the hello, or a client of another protocol version, is refused', (t) =>
  withServer(t, async ({ port }) => {
    const early = await RawClient.open(port);
    early.send({ t: 'send', r: 1, text: 'hi', room: 'lobby' });
    await t.notThrowsAsync(early.waitFor(isErr('ERR_PROTOCOL')));

    const socket = connect({ host: '127.0.0.1', port });
    socket.write(encodePreamble(99));
    const reply: Buffer = await new Promise((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
    });
    t.deepEqual(reply.subarray(0, 5), encodePreamble(1));
    t.regex(reply.subarray(10).toString(), /"code":"ERR_PROTOCOL".*version 99/);
  }));

test('__proto__ and constructor keys in control messages change nothing', (t) =>
  withServer(t, async ({ server, port, connect: connectClient }) => {
    const bob = await connectClient('bob');
    const raw = await RawClient.open(port);
    raw.write(encodeFrame(FrameType.Control, Buffer.from('{"t":"hello","name":"mallory","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')));
    await raw.waitFor((frame) => frame.json?.t === 'welcome');
    const received = nextEvent(bob, 'message');
    raw.write(encodeFrame(FrameType.Control, Buffer.from('{"t":"send","r":1,"text":"hi","room":"lobby","__proto__":{"room":"admin","isAdmin":true}}')));
    const message = await received;
    t.is(message.room, 'lobby');
    t.is(message.from, 'mallory');
    t.is(({} as Record<string, unknown>).polluted, undefined);
    t.is(({} as Record<string, unknown>).isAdmin, undefined);
    // Room and user names are only ever Map keys, so even this name is just a name.
    raw.write(encodeFrame(FrameType.Control, Buffer.from('{"t":"join","r":2,"room":"__proto__"}')));
    await t.notThrowsAsync(raw.waitFor((frame) => frame.json?.r === 2 && frame.json.t === 'ok'));
    t.deepEqual(server.rooms().map((room) => room.name), ['lobby', '__proto__']);
    t.is(Object.getPrototypeOf({}), Object.prototype);
    raw.close();
  }));

test('a connection that never completes its handshake is closed with ERR_TIMEOUT', (t) =>
  withServer(
    t,
    async ({ server, port }) => {
      const errors = collect(server, 'client-error');
      const raw = await RawClient.open(port);
      await t.notThrowsAsync(raw.waitFor(isErr('ERR_TIMEOUT')));
      await raw.closed;
      t.is((await errors.atLeast(1))[0]!.error.code, 'ERR_TIMEOUT');
    },
    { handshakeTimeoutMs: 200 },
  ));

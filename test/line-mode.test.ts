import test from 'ava';
import { connect as connectSocket } from 'node:net';
import { encodeControl, encodePreamble } from '../lib/protocol/encoder.js';
import { NAME_PROMPT } from '../lib/server/line-session.js';
import { collect, nextEvent, withServer } from './helpers/chat.js';
import { LineClient } from './helpers/line.js';

test('a line-mode user is asked for a name and chats with binary clients both ways', (t) =>
  withServer(t, async ({ server, port, connect }) => {
    const alice = await connect('alice');
    const joined = nextEvent(alice, 'join');
    const carol = await LineClient.login(port, 'carol');
    t.deepEqual(await joined, { room: 'lobby', user: 'carol' });
    t.like(
      server.users().find((user) => user.name === 'carol'),
      { mode: 'line', rooms: ['lobby'] },
    );

    const fromCarol = nextEvent(alice, 'message');
    carol.type('hi from nc');
    t.like(await fromCarol, { from: 'carol', room: 'lobby', text: 'hi from nc' });

    await alice.send('hello carol', { room: 'lobby' });
    await t.notThrowsAsync(carol.waitForLine(/^\[lobby\] alice: hello carol$/));

    const joinedBob = carol.waitForLine(/^bob entered lobby$/);
    const bob = await connect('bob');
    await t.notThrowsAsync(joinedBob);
    const offline = carol.waitForLine(/^bob is offline$/);
    await bob.close();
    await t.notThrowsAsync(offline);
    t.is(carol.lines.filter((line) => line === 'bob is offline').length, 1);
    carol.close();
  }));

test('line-mode commands: /join, /msg, /users, /rooms, /leave, /help, /quit', (t) =>
  withServer(t, async ({ port, connect }) => {
    const alice = await connect('alice');
    await alice.join('dev');
    const carol = await LineClient.login(port, 'carol');

    carol.type('/join dev');
    await carol.waitForLine(/^You joined dev \(with alice\); now talking there$/);
    const inDev = nextEvent(alice, 'message');
    carol.type('in dev now');
    t.like(await inDev, { room: 'dev', text: 'in dev now', from: 'carol' });

    const privately = nextEvent(alice, 'message');
    carol.type('/msg alice psst');
    t.like(await privately, { to: 'alice', from: 'carol', text: 'psst' });
    await carol.waitForLine(/^\[you -> alice\] psst$/);

    await alice.send('psst back', { to: 'carol' });
    await carol.waitForLine(/^\[alice -> you\] psst back$/);

    carol.type('/users');
    await carol.waitForLine(/^In dev \(2\): alice, carol$/);
    carol.type('/users *');
    await carol.waitForLine(/^Online \(2\): alice, carol$/);
    carol.type('/rooms');
    await carol.waitForLine(/^lobby \(2\): alice, carol$/);
    carol.type('/msg nobody hi');
    await carol.waitForLine(/^! No user named "nobody" is online$/);
    carol.type('/frobnicate');
    await carol.waitForLine(/^! Unknown command \/frobnicate/);
    carol.type('/help');
    await carol.waitForLine(/^\s+\/msg <user> <text>/);

    const left = nextEvent(alice, 'leave', (event) => event.room === 'dev');
    carol.type('/leave');
    t.deepEqual(await left, { room: 'dev', user: 'carol', reason: 'left' });
    await carol.waitForLine(/^You left dev; now talking in lobby$/);

    const gone = nextEvent(alice, 'leave');
    carol.type('/quit');
    await carol.closed;
    t.is((await gone).reason, 'disconnected');
  }));

test('a taken or invalid name is asked again; control characters from others are neutralised', (t) =>
  withServer(t, async ({ port, connect }) => {
    const alice = await connect('alice');
    const carol = await LineClient.open(port);
    await carol.waitForLine(/What is your name\?/);
    carol.type('ALICE');
    await carol.waitForLine(/^! The name "ALICE" is taken\. What is your name\?$/);
    carol.type('not ok');
    await carol.waitForLine(/^! Name "not ok" may only contain/);
    carol.type('carol');
    await carol.waitForLine(/^Hello carol!/);
    await alice.send('\u001b[2Jcleared\u0007', { room: 'lobby' });
    await t.notThrowsAsync(carol.waitForLine(/^\[lobby\] alice: \?\[2Jcleared\?$/));
    carol.close();
  }));

test('a binary client whose preamble arrives after the line prompt still connects', (t) =>
  withServer(
    t,
    async ({ port, connect }) => {
      // Deterministically late: wait for the prompt, then speak the binary protocol.
      const socket = connectSocket({ host: '127.0.0.1', port });
      const received: Buffer[] = [];
      await new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => (received.push(chunk), resolve())));
      t.is(Buffer.concat(received).toString(), NAME_PROMPT);
      socket.write(Buffer.concat([encodePreamble(1), encodeControl({ t: 'hello', name: 'late' })]));
      await new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => (received.push(chunk), /welcome/.test(chunk.toString()) && resolve())));
      const reply = Buffer.concat(received);
      t.is(reply.indexOf(encodePreamble(1)), NAME_PROMPT.length, 'the preamble follows the prompt');
      socket.destroy();

      // And a ChatClient, which skips the prompt text.
      const alice = await connect('alice');
      t.is(alice.state, 'connected');
    },
    { lineModeDelayMs: 0 },
  ));

test('with line mode off, a text client is told and closed', (t) =>
  withServer(
    t,
    async ({ server, port }) => {
      const errors = collect(server, 'client-error');
      const client = await LineClient.open(port);
      client.type('hello?');
      await client.closed;
      t.deepEqual(client.lines, ['This server speaks only the PieChat binary protocol.']);
      t.is((await errors.atLeast(1))[0]!.error.code, 'ERR_PROTOCOL');
    },
    { lineMode: false },
  ));

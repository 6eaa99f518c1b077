import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ChatClient, type ChatMessage, type JoinEvent } from '../lib/index.js';
import { ensureBuilt } from './helpers/build.js';
import { ROOT, runCli, type Child } from './helpers/child.js';
import { nextMessage, nextPresence, within } from './helpers/wait.js';

// These tests run the CLI as users do, from dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Runs the CLI for one test and kills it in teardown, whatever happens. */
function cli(t: ExecutionContext, args: string[]): Child {
  const child = runCli(args);
  t.teardown(() => child.kill());
  return child;
}

/** Starts `piechat serve` on an ephemeral loopback port and reads the port from what it prints. */
async function serve(t: ExecutionContext): Promise<{ serve: Child; port: number }> {
  const child = cli(t, ['serve', '--port', '0', '--host', '127.0.0.1']);
  const line = await child.waitForLine(/PieChat listening on /);
  const port = Number(/PieChat listening on (.+):(\d+)/.exec(line)?.[2]);
  t.true(port > 0, line);
  return { serve: child, port };
}

/** A client in this process, closed in teardown. */
async function observer(t: ExecutionContext, port: number, name: string): Promise<ChatClient> {
  const client = new ChatClient({ host: '127.0.0.1', port, name });
  t.teardown(() => client.close());
  await client.connect();
  return client;
}

test('--version prints the version of package.json', async (t) => {
  const child = cli(t, ['--version']);
  t.deepEqual(await child.waitForExit(), { code: 0, signal: null });
  t.deepEqual(child.stdout, [version]);
});

test('--help prints the usage and exits 0', async (t) => {
  const child = cli(t, ['--help']);
  t.is((await child.waitForExit()).code, 0);
  t.true(child.stdout.some((line) => line.includes('piechat serve')) && child.stdout.some((line) => line.includes('piechat chat')), child.output);
});

test('an unknown command exits 2 with the usage', async (t) => {
  const child = cli(t, ['frobnicate']);
  t.is((await child.waitForExit()).code, 2);
  t.is(child.stderr[0], 'Unknown command "frobnicate"');
  t.true(child.stderr.includes('Usage:'), child.output);
  t.deepEqual(child.stdout, []);
});

test('chat without --name exits 2 with the usage', async (t) => {
  const child = cli(t, ['chat', '--port', '1']);
  t.is((await child.waitForExit()).code, 2);
  t.is(child.stderr[0], '--name is required');
  t.true(child.stderr.includes('Usage:'), child.output);
});

test('an unknown option exits 2 with the usage', async (t) => {
  const child = cli(t, ['serve', '--prot', '0']);
  t.is((await child.waitForExit()).code, 2);
  t.true(child.stderr.some((line) => line.includes('--prot')) && child.stderr.includes('Usage:'), child.output);
});

test('chat exits 1 with the error code when the server refuses it', async (t) => {
  const { port } = await serve(t);
  const child = cli(t, ['chat', '--name', 'server', '--port', String(port), '--host', '127.0.0.1']);
  t.is((await child.waitForExit()).code, 1);
  t.true(child.stderr.some((line) => line.startsWith('piechat: ERR_NAME_TAKEN')), child.output);
});

test('serve and chat: carol joins, talks, lists users and quits; serve stops on SIGINT with 0', async (t) => {
  const { serve: server, port } = await serve(t);
  const dave = await observer(t, port, 'dave');
  await dave.join('dev');
  const joins: JoinEvent[] = [];
  dave.on('join', (event) => joins.push(event));

  const carolInLobby = nextPresence(dave, 'join', 'carol', 'lobby');
  const carol = cli(t, ['chat', '--name', 'carol', '--port', String(port), '--host', '127.0.0.1']);
  await carol.waitForLine('* connected to server as carol');
  await carolInLobby;

  // One line at a time, each after the output it causes: the CLI runs lines concurrently.
  const carolInDev = nextPresence(dave, 'join', 'carol', 'dev');
  carol.writeLine('/join dev');
  t.regex(await carol.waitForLine('* you joined dev'), /you joined dev: dave, carol$/);
  await carolInDev;

  const hello = nextMessage(dave, (message) => message.from === 'carol', 'carol to say hello');
  carol.writeLine('hello');
  t.like(await hello, { room: 'dev', from: 'carol', text: 'hello' });

  carol.writeLine('/users');
  t.regex(await carol.waitForLine('* online'), /\* online \(2\): dave, carol$/);

  const carolGone = nextPresence(dave, 'leave', 'carol', 'dev');
  // End stdin too: with a piped stdin left open, /quit alone does not end the process (see the known bug below).
  carol.process.stdin.end('/quit\n');
  t.deepEqual(await carol.waitForExit(), { code: 0, signal: null }, carol.output);
  await carolGone;
  t.deepEqual(joins, [
    { room: 'lobby', user: 'carol' },
    { room: 'dev', user: 'carol' },
  ]);
  t.false(carol.stdout.some((line) => line.includes('! ')), carol.output);

  for (const line of ['carol entered dev', '[dev] carol: hello', 'carol is offline']) await server.waitForLine(line);

  const shutdown = within(new Promise<string>((resolve) => dave.once('disconnect', ({ reason }) => resolve(reason))), 'dave to be told');
  server.process.kill('SIGINT');
  t.deepEqual(await server.waitForExit(), { code: 0, signal: null }, server.output);
  t.is(await shutdown, 'shutdown');
  t.true(server.stdout.some((line) => line.endsWith('shutting down')), server.output);
});

// Known bug (lib/cli/chat.ts): each stdin line starts its command without waiting for the one before,
// and EOF closes the client under requests still in flight. So a script piped in at once sends
// "hello" to lobby (the /join has not been answered yet) and /quit cuts off /join and /users.
// Flip to `test` when the CLI runs lines in order.
test('chat runs a script piped in at once, in order', async (t) => {
  const { port } = await serve(t);
  const dave = await observer(t, port, 'dave');
  await dave.join('dev');
  const messages: ChatMessage[] = [];
  dave.on('message', (message) => messages.push(message));
  const carolGone = nextPresence(dave, 'leave', 'carol', 'lobby');
  const carol = cli(t, ['chat', '--name', 'carol', '--port', String(port), '--host', '127.0.0.1']);
  carol.process.stdin.end('/join dev\nhello\n/users\n/quit\n');
  t.is((await carol.waitForExit()).code, 0, carol.output);
  await carolGone; // every message carol sent reached dave before her leave
  t.deepEqual(
    messages.map(({ room, text }) => ({ room, text })),
    [{ room: 'dev', text: 'hello' }],
  );
  t.false(carol.stdout.some((line) => line.includes('! ')), carol.output);
});

// Known bug (lib/cli/chat.ts): after /quit, readline is closed but a piped stdin stays referenced,
// so the process lives on until stdin reaches EOF (a parent that keeps the pipe open waits forever).
// Flip to `test` when /quit ends the process by itself.
test('chat exits on /quit while a piped stdin stays open', async (t) => {
  const { port } = await serve(t);
  const carol = cli(t, ['chat', '--name', 'carol', '--port', String(port), '--host', '127.0.0.1']);
  await carol.waitForLine('* connected to server as carol');
  carol.writeLine('/quit');
  t.is((await carol.waitForExit(3_000)).code, 0, carol.output);
});

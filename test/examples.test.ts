import test, { type ExecutionContext } from 'ava';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { answer, MAX_DICE, parseCommand, type CommandContext } from '../examples/bot/commands.js';
import { ChatClient, ChatServer, type ChatMessage, type SendTarget } from '../lib/index.js';
import { ensureBuilt } from './helpers/build.js';
import { runTs, type Child } from './helpers/child.js';
import { randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { nextMessage, within } from './helpers/wait.js';

// The examples import 'piechat', which resolves to dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const NOW = new Date('2024-05-06T07:08:09.000Z');
const asked = (extra: Partial<CommandContext> = {}): CommandContext => ({ bot: 'piebot', from: 'alice', room: 'lobby', now: NOW, ...extra });

/** Runs a child for one test and kills it in teardown, whatever happens. */
function started(t: ExecutionContext, child: Child): Child {
  t.teardown(() => child.kill());
  return child;
}

// --- the bot's commands, as a pure function

test('answer(): !ping, !echo, !time and !help', (t) => {
  t.is(answer('!ping', asked()), 'pong');
  t.is(answer('  !PING  ', asked()), 'pong', 'case and surrounding blanks do not matter');
  t.is(answer('!echo hi', asked()), 'hi');
  t.is(answer('!echo   two  words ', asked()), 'two  words');
  t.is(answer('!echo', asked()), 'Usage: !echo <text>');
  t.is(answer('!time', asked()), 'It is 2024-05-06T07:08:09.000Z');
  const help = answer('!help', asked());
  for (const command of ['!help', '!ping', '!time', '!users', '!echo <text>', '!roll [NdM]']) t.true(help?.includes(command), command);
});

test('answer(): !users lists the members it is given, and sums up long lists', (t) => {
  t.is(answer('!users', asked({ users: ['alice', 'bob'] })), 'In lobby (2): alice, bob');
  t.is(answer('!users', asked({ room: undefined, users: ['alice'] })), 'Online (1): alice', 'privately: everyone online');
  t.is(answer('!users', asked()), 'I do not know who is here');
  const crowd = Array.from({ length: 120 }, (_, index) => `user${index}`);
  const reply = answer('!users', asked({ users: crowd }))!;
  t.true(reply.startsWith('In lobby (120): user0, user1,'));
  t.true(reply.endsWith('user49 and 70 more'));
});

test('answer(): !roll throws NdM dice, 1d6 by default', (t) => {
  t.is(answer('!roll', asked({ random: () => 0.5 })), 'alice rolled 1d6: 4');
  t.is(answer('!roll d20', asked({ random: () => 0 })), 'alice rolled 1d20: 1');
  const rolls = [0, 0.5, 0.99];
  t.is(answer('!roll 3D6', asked({ random: () => rolls.shift()! })), 'alice rolled 3d6: 1 + 4 + 6 = 11');
  t.is(answer('!roll 1d6', asked({ random: () => 1 })), 'alice rolled 1d6: 6', 'a random() of 1 still lands on a face');
  const most = answer(`!roll ${MAX_DICE}d1000`, asked({ random: () => 0.999_999 }))!;
  t.true(most.endsWith(`= ${MAX_DICE * 1000}`));
  for (let index = 0; index < 200; index++) {
    const face = Number(/: (\d+)$/.exec(answer('!roll 1d6', asked())!)?.[1]);
    t.true(face >= 1 && face <= 6, `face ${face}`);
  }
});

test('answer(): bad dice get the usage, never a throw or a huge reply', (t) => {
  for (const argument of ['0d0', '0d6', '1000000d6', '99999999999999999999999d6', '2d1', '1d1001', '-1d6', '1.5d6', 'd', '6', 'abc', '2d6 extra']) {
    const reply = answer(`!roll ${argument}`, asked());
    t.true(reply?.startsWith('Usage: !roll [NdM]'), `!roll ${argument} -> ${reply}`);
  }
});

test('answer(): unknown commands get a hint; non-commands and the bot’s own messages get nothing', (t) => {
  t.is(answer('!frobnicate', asked()), 'Unknown command !frobnicate. Try !help');
  t.is(answer(`!${'x'.repeat(5000)}`, asked()), `Unknown command !${'x'.repeat(32)}. Try !help`);
  for (const text of ['hello', '', '   ', '!', '!!!', '! ping', 'ping!', 'say !ping', '!1d6']) t.is(answer(text, asked()), undefined, JSON.stringify(text));
  t.is(answer('!ping', asked({ from: 'PieBot' })), undefined, 'the bot never answers itself');
  t.deepEqual(parseCommand('!Echo  hi there '), { name: 'echo', argument: 'hi there' });
});

// --- the runnable examples, as a user runs them

test('the demo runs its script, prints each event and exits 0', async (t) => {
  const demo = started(t, runTs('examples/demo.ts'));
  const { code } = await demo.waitForExit(20_000);
  t.is(code, 0, demo.output);
  const out = demo.stdout.join('\n');
  for (const expected of [
    /server \| listening on 127\.0\.0\.1:\d+/,
    /alice \| bob entered lobby/,
    /alice \| bob entered dev/,
    /bob \| \[dev\] alice: hi bob, welcome to dev/,
    /alice \| \[dev\] bob: thanks alice!/,
    /alice \| \(private\) bob -> alice: psst/,
    /alice \| users in dev: alice, bob/,
    /alice \| bob left dev \(left\)/,
    /server \| bob is offline/,
    /server \| closed/,
    /demo finished$/,
  ]) {
    t.regex(out, expected);
  }
  t.deepEqual(demo.stderr.filter((line) => line !== ''), []);
});

test('the embed example exchanges a room and a private message and exits 0', async (t) => {
  const embed = started(t, runTs('examples/embed.ts'));
  const { code } = await embed.waitForExit(20_000);
  t.is(code, 0, embed.output);
  t.deepEqual(
    embed.stdout.filter((line) => line.startsWith('bob:') || line === 'done'),
    ['bob: in lobby, alice says "hello, lobby"', 'bob: privately, alice says "psst, bob"', 'done'],
  );
  t.deepEqual(embed.stderr.filter((line) => line !== ''), []);
});

// --- the bot against an in-process server

/** A loopback server on port 0, its files in a temporary directory, closed in teardown (after the test's children are killed). */
async function serverFor(t: ExecutionContext): Promise<{ server: ChatServer; port: number; connect(name: string): Promise<ChatClient> }> {
  const server = new ChatServer({ storage: join(await temporaryDirectory(t), 'storage') });
  const { port } = await server.listen(0, '127.0.0.1');
  const clients: ChatClient[] = [];
  t.teardown(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server.close();
  });
  return {
    server,
    port,
    async connect(name) {
      const client = new ChatClient({ host: '127.0.0.1', port, name });
      clients.push(client);
      await client.connect();
      return client;
    },
  };
}

/** Runs the bot against `port`; it saves files into a temporary folder unless `env` names one. */
async function runBot(t: ExecutionContext, port: number, env: Record<string, string> = {}): Promise<Child> {
  const files = env.PIECHAT_BOT_FILES ?? join(await temporaryDirectory(t), 'bot-files');
  return started(t, runTs('examples/bot/bot.ts', { PIECHAT_HOST: '127.0.0.1', PIECHAT_PORT: String(port), PIECHAT_BOT_NAME: 'testbot', PIECHAT_BOT_FILES: files, ...env }));
}

/** Sends `text` and resolves with the bot's next message to `client`. */
async function ask(client: ChatClient, text: string, target: SendTarget): Promise<ChatMessage> {
  const reply = nextMessage(client, (message) => message.from === 'testbot', `the bot's answer to ${text}`);
  await client.send(text, target);
  return reply;
}

test('the bot answers commands in its rooms and privately, and exits 0 on SIGTERM', async (t) => {
  const { server, port, connect } = await serverFor(t);
  const bot = await runBot(t, port, { PIECHAT_ROOMS: 'dev, qa' });
  t.regex(await bot.waitForLine('testbot ready'), /in dev, qa$/);
  t.deepEqual(server.users().find((user) => user.name === 'testbot')?.rooms, ['dev', 'qa'], 'only the rooms asked for');

  const tester = await connect('tester');
  await tester.join('dev');
  t.like(await ask(tester, '!ping', { room: 'dev' }), { room: 'dev', from: 'testbot', text: 'pong' });
  t.like(await ask(tester, '!echo hi', { room: 'dev' }), { room: 'dev', text: 'hi' });
  t.like(await ask(tester, '!users', { room: 'dev' }), { room: 'dev', text: 'In dev (2): testbot, tester' });

  // Nothing answers chatter, nor a command in a room the bot is not in: the next answer is to !time.
  await tester.send('hello everyone', { room: 'dev' });
  await tester.send('!ping', { room: 'lobby' });
  t.regex((await ask(tester, '!time', { room: 'dev' })).text, /^It is \d{4}-\d\d-\d\dT/);

  const secret = await ask(tester, '!ping', { to: 'testbot' });
  t.like(secret, { to: 'tester', text: 'pong' });
  t.is(secret.room, undefined, 'a private command is answered privately');
  t.like(await ask(tester, '!users', { to: 'testbot' }), { to: 'tester', text: 'Online (2): testbot, tester' });
  t.like(await ask(tester, '!nope', { room: 'dev' }), { text: 'Unknown command !nope. Try !help' });

  const gone = new Promise<string>((resolve) => {
    server.on('disconnect', ({ user, reason }) => {
      if (user === 'testbot') resolve(reason);
    });
  });
  bot.process.kill('SIGTERM');
  t.deepEqual(await bot.waitForExit(), { code: 0, signal: null }, bot.output);
  t.is(await within(gone, 'the bot to disconnect'), 'disconnected');
  t.deepEqual(bot.stderr.filter((line) => line !== ''), []);
});

test('the bot exits 1 with a message when it loses the server', async (t) => {
  const { server, port } = await serverFor(t);
  const bot = await runBot(t, port);
  await bot.waitForLine('testbot ready');
  await server.close();
  t.is((await bot.waitForExit()).code, 1, bot.output);
  t.true(bot.stderr.some((line) => line.includes('testbot: lost the server') && line.includes('(shutdown)')), bot.output);
});

test('the bot exits 1 when it cannot connect, and 2 on a bad setting', async (t) => {
  const { port, connect } = await serverFor(t);
  await connect('testbot');
  const taken = await runBot(t, port);
  t.is((await taken.waitForExit()).code, 1, taken.output);
  t.true(taken.stderr.some((line) => line.includes('could not start') && line.includes('ERR_NAME_TAKEN')), taken.output);
  const misconfigured = await runBot(t, port, { PIECHAT_PORT: 'ninety' });
  t.is((await misconfigured.waitForExit()).code, 2, misconfigured.output);
  t.true(misconfigured.stderr.some((line) => line.includes('PIECHAT_PORT')), misconfigured.output);
});

test('the bot saves every file shared in its rooms or with it, verified, into PIECHAT_BOT_FILES (created)', async (t) => {
  const { port, connect } = await serverFor(t);
  const scratch = await temporaryDirectory(t);
  const folder = join(scratch, 'saved', 'files');
  const bot = await runBot(t, port, { PIECHAT_BOT_FILES: folder });
  t.regex(await bot.waitForLine('testbot saves shared files to'), /saved[/\\]files$/);
  await bot.waitForLine('testbot ready');

  const tester = await connect('tester');
  const report = await randomFile(scratch, 'report.bin', 300_000);
  const shared = await tester.sendFile(report.path, { room: 'lobby' });
  t.regex(await bot.waitForLine(`saved report.bin (300000 bytes) from tester in lobby to`), /report\.bin$/);
  t.is(await sha256OfFile(join(folder, 'report.bin')), report.sha256);
  t.is(shared.sha256, report.sha256);

  // A private file, and a second file of the same name: saved beside the first, never over it.
  const again = await randomFile(scratch, 'again.bin', 1234);
  await tester.sendFile(again.path, { to: 'testbot', name: 'report.bin' });
  t.regex(await bot.waitForLine('from tester privately'), /report \(1\)\.bin$/);
  t.is(await sha256OfFile(join(folder, 'report (1).bin')), again.sha256);
  t.is(await sha256OfFile(join(folder, 'report.bin')), report.sha256, 'the first one is untouched');
  t.deepEqual((await readdir(folder)).sort(), ['report (1).bin', 'report.bin'], 'no temporary file left');

  bot.process.kill('SIGTERM');
  t.is((await bot.waitForExit()).code, 0, bot.output);
  t.deepEqual(bot.stderr.filter((line) => line !== ''), []);
});

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { ensureBuilt } from './helpers/build.js';
import { nextEvent } from './helpers/chat.js';
import { cli, serverForCli as server } from './helpers/cli.js';
import { filesBelow, randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { StallingStore } from './helpers/stall-store.js';

// These tests run the CLI as users do, from dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const MiB = 1024 * 1024;
const EXITED_OK = { code: 0, signal: null };

/** The `key: value` lines `send` and `get` end with. */
function fields(lines: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(\w+): +(.*)$/.exec(line);
    if (match !== null) found[match[1]!] = match[2]!;
  }
  return found;
}

test('send uploads to lobby with a progress bar and prints the id, name, size and SHA-256', async (t) => {
  const { connect, at, directory } = await server(t);
  const watcher = await connect('watcher');
  const source = await randomFile(directory, 'report.bin', 3 * MiB);
  const announced = nextEvent(watcher, 'file', undefined, 10_000);
  const child = cli(t, ['send', source.path, ...at]);
  t.deepEqual(await child.waitForExit(), EXITED_OK, child.output);
  const file = await announced;
  t.like(file, { name: 'report.bin', size: 3 * MiB, sha256: source.sha256, room: 'lobby' });
  t.regex(file.from, /^[\p{L}\p{N}_.-]+-[0-9a-f]{4}$/u, 'named after the OS user, with a suffix');
  t.like(fields(child.stdout), { id: file.id, name: 'report.bin', size: '3145728 bytes (3.0 MiB)', room: 'lobby', sha256: source.sha256 });
  const final = child.stdout.find((line) => line.includes('100%'));
  t.regex(final ?? '', /^report\.bin \[#{20}\] 100% {2}3\.0 MiB \/ 3\.0 MiB {2}\S+ \S+\/s {2}in \d+:\d\d$/, child.output);
  t.false(child.stdout.some((line) => line.includes('\r')), 'no redrawing when stdout is not a TTY');
  t.deepEqual(child.stderr, []);
});

test('send --room joins the room first; send --to shares privately', async (t) => {
  const { connect, at, directory } = await server(t);
  const watcher = await connect('watcher');
  await watcher.join('dev');
  const source = await randomFile(directory, 'data.bin', 64 * 1024);

  const inDev = nextEvent(watcher, 'file', (file) => file.room === 'dev');
  const toDev = cli(t, ['send', source.path, '--room', 'dev', '--name', 'alice', ...at]);
  t.deepEqual(await toDev.waitForExit(), EXITED_OK, toDev.output);
  t.like(await inDev, { from: 'alice', room: 'dev', sha256: source.sha256 });

  const privately = nextEvent(watcher, 'file', (file) => file.to !== undefined);
  const toWatcher = cli(t, ['send', source.path, '--to', 'watcher', '--name', 'bob', ...at]);
  t.deepEqual(await toWatcher.waitForExit(), EXITED_OK, toWatcher.output);
  const file = await privately;
  t.like(file, { from: 'bob', to: 'watcher', room: undefined });
  t.like(fields(toWatcher.stdout), { id: file.id, to: 'watcher' });
});

test('get downloads into a directory under the display name and prints the path and verified SHA-256', async (t) => {
  const { connect, at, directory } = await server(t);
  const alice = await connect('alice');
  const source = await randomFile(directory, 'source.bin', 3 * MiB);
  const stored = await alice.sendFile(source.path, { room: 'lobby', name: 'report.bin' });
  const into = join(directory, 'downloads');
  await mkdir(into);
  const child = cli(t, ['get', stored.id, into, ...at]);
  t.deepEqual(await child.waitForExit(), EXITED_OK, child.output);
  t.like(fields(child.stdout), { saved: join(into, 'report.bin'), name: 'report.bin', sha256: `${source.sha256} (verified)` });
  t.is(await sha256OfFile(join(into, 'report.bin')), source.sha256);
  t.deepEqual(await filesBelow(into), ['report.bin'], 'nothing partial left beside it');
  t.true(child.stdout.some((line) => /^report\.bin \[#{20}\] 100%/.test(line)), child.output);
});

test('get saves into the current directory by default, and at a file path when given one', async (t) => {
  const { connect, at, directory } = await server(t);
  const alice = await connect('alice');
  const stored = await alice.sendFile(Buffer.from('hello, file'), { room: 'lobby', name: 'hello.txt' });
  const cwd = join(directory, 'cwd');
  await mkdir(cwd);
  const here = cli(t, ['get', stored.id, ...at], cwd);
  t.deepEqual(await here.waitForExit(), EXITED_OK, here.output);
  const renamed = cli(t, ['get', stored.id, 'renamed.txt', ...at], cwd);
  t.deepEqual(await renamed.waitForExit(), EXITED_OK, renamed.output);
  t.is(fields(renamed.stdout).saved, join(cwd, 'renamed.txt'));
  t.deepEqual(await filesBelow(cwd), ['hello.txt', 'renamed.txt']);
  t.is(await sha256OfFile(join(cwd, 'renamed.txt')), stored.sha256);
});

test('get --room joins the room first: its files are only for members', async (t) => {
  const { connect, at, directory } = await server(t);
  const alice = await connect('alice');
  await alice.join('dev');
  const stored = await alice.sendFile(Buffer.from('dev only'), { room: 'dev', name: 'plan.txt' });
  const outsider = cli(t, ['get', stored.id, directory, ...at]);
  t.is((await outsider.waitForExit()).code, 1, outsider.output);
  t.true(outsider.stderr.some((line) => line.startsWith('piechat: ERR_FORBIDDEN: ')), outsider.output);
  const member = cli(t, ['get', stored.id, directory, '--room', 'dev', ...at]);
  t.deepEqual(await member.waitForExit(), EXITED_OK, member.output);
  t.is(await sha256OfFile(join(directory, 'plan.txt')), stored.sha256);
});

test('send of a missing file and get of an unknown id exit 1 with ERR_FILE_NOT_FOUND', async (t) => {
  const { at, directory } = await server(t);
  const send = cli(t, ['send', join(directory, 'missing.bin'), ...at]);
  t.is((await send.waitForExit()).code, 1, send.output);
  t.regex(send.stderr[0] ?? '', /^piechat: ERR_FILE_NOT_FOUND: Cannot read ".*missing\.bin" \(ENOENT\)$/, send.output);
  const get = cli(t, ['get', '0'.repeat(32), directory, ...at]);
  t.is((await get.waitForExit()).code, 1, get.output);
  t.regex(get.stderr[0] ?? '', /^piechat: ERR_FILE_NOT_FOUND: /, get.output);
  t.deepEqual(await filesBelow(directory), [], 'nothing written');
});

test("send over the server's maxFileBytes exits 1 with ERR_FILE_TOO_LARGE and stores nothing", async (t) => {
  const { connect, at, directory } = await server(t, { maxFileBytes: MiB });
  const watcher = await connect('watcher');
  const source = await randomFile(directory, 'big.bin', 2 * MiB);
  const child = cli(t, ['send', source.path, ...at]);
  t.is((await child.waitForExit()).code, 1, child.output);
  t.regex(child.stderr[0] ?? '', /^piechat: ERR_FILE_TOO_LARGE: /, child.output);
  t.deepEqual(await watcher.files(), []);
});

test('send and get exit 2 with the usage on a bad command line', async (t) => {
  for (const args of [['send'], ['send', 'a', 'b'], ['send', 'a', '--room', 'dev', '--to', 'bob'], ['get'], ['get', 'a', 'b', 'c'], ['send', 'a', '--bogus']]) {
    const child = cli(t, args);
    t.is((await child.waitForExit()).code, 2, child.output);
    t.true(child.stderr.includes('Usage:') && child.stderr.some((line) => line.includes('piechat send <file>')), child.output);
  }
  const help = cli(t, ['--help']);
  t.is((await help.waitForExit()).code, 0);
  t.true(help.stdout.some((line) => line.includes('piechat get <fileId> [dest]')), help.output);
});

test('Ctrl-C during send cancels the upload on both sides and exits 130', async (t) => {
  const directory = await temporaryDirectory(t);
  const store = new StallingStore(join(directory, 'store'));
  const { server: chatServer, connect, at } = await server(t, { storage: store });
  const watcher = await connect('watcher');
  store.stallUploads = true;
  const source = await randomFile(directory, 'big.bin', 8 * MiB);
  const ended = nextEvent(chatServer, 'transfer-end', undefined, 10_000);
  const child = cli(t, ['send', source.path, '--name', 'alice', ...at]);
  await child.waitForLine(/^big\.bin \[[#-]+\] +\d+%/); // the upload is under way (and held)
  child.process.kill('SIGINT');
  t.deepEqual(await child.waitForExit(), { code: 130, signal: null }, child.output);
  t.deepEqual(child.stderr, ['piechat: ERR_ABORTED: The upload was cancelled']);
  const end = await ended;
  t.like(end, { user: 'alice', direction: 'upload', total: 8 * MiB });
  t.is(end.error?.code, 'ERR_ABORTED', 'the server was told, not just disconnected');
  t.deepEqual(await watcher.files(), []);
  t.deepEqual(await filesBelow(join(directory, 'store')), [], 'nothing partial kept');
});

test('Ctrl-C during get cancels the download, leaves nothing partial and exits 130', async (t) => {
  const directory = await temporaryDirectory(t);
  const store = new StallingStore(join(directory, 'store'));
  const { server: chatServer, connect, at } = await server(t, { storage: store });
  const alice = await connect('alice');
  const source = await randomFile(directory, 'source.bin', 4 * MiB);
  const stored = await alice.sendFile(source.path, { room: 'lobby', name: 'big.bin' });
  store.stallDownloads = true;
  const into = join(directory, 'downloads');
  await mkdir(into);
  const ended = nextEvent(chatServer, 'transfer-end', (event) => event.direction === 'download', 10_000);
  const child = cli(t, ['get', stored.id, into, ...at]);
  await child.waitForLine(/^big\.bin \[[#-]+\] +\d+%/);
  child.process.kill('SIGINT');
  t.deepEqual(await child.waitForExit(), { code: 130, signal: null }, child.output);
  t.deepEqual(child.stderr, ['piechat: ERR_ABORTED: The download was cancelled']);
  t.deepEqual(await filesBelow(into), [], 'the partial file was removed before the exit');
  t.is((await ended).error?.code, 'ERR_ABORTED');
});

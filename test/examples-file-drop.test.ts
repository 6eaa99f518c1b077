import { createHash } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { ConfigError, readConfig } from '../examples/file-drop/config.js';
import { Ledger, LEDGER_FILE, LedgerError } from '../examples/file-drop/ledger.js';
import { afterFailure } from '../examples/file-drop/sharer.js';
import { isIgnored, Settler } from '../examples/file-drop/watcher.js';
import { ChatClient, ChatServer, type ChatServerOptions, type FileInfo } from '../lib/index.js';
import { ensureBuilt } from './helpers/build.js';
import { collect, nextEvent } from './helpers/chat.js';
import { runTs, type Child } from './helpers/child.js';
import { randomFile, temporaryDirectory } from './helpers/files.js';

// The example imports 'piechat', which resolves to dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const MiB = 1024 * 1024;

// --- the pure parts

test('Settler: a file is complete once unchanged for settleMs, reported once per version', (t) => {
  const settler = new Settler(1000);
  const file = (size: number, mtimeMs = 10_000): { name: string; size: number; mtimeMs: number } => ({ name: 'a.bin', size, mtimeMs });
  t.deepEqual(settler.observe([file(10)], 10_000), { ready: [], waiting: [file(10)], waitMs: 1000 });
  t.deepEqual(settler.observe([file(20, 10_500)], 10_500), { ready: [], waiting: [], waitMs: 1000 }, 'still growing: the wait starts again, announced once');
  t.deepEqual(settler.observe([file(20, 10_500)], 11_000), { ready: [], waiting: [], waitMs: 500 });
  t.deepEqual(settler.observe([file(20, 10_500)], 11_500), { ready: [file(20, 10_500)], waiting: [], waitMs: undefined });
  t.deepEqual(settler.observe([file(20, 10_500)], 20_000).ready, [], 'reported once');
  t.deepEqual(settler.observe([file(30, 20_000)], 20_000).waiting, [file(30, 20_000)], 'a new version is a new file');
  t.deepEqual(settler.observe([file(30, 20_000)], 21_000).ready, [file(30, 20_000)]);
  settler.forget('a.bin');
  t.deepEqual(settler.observe([file(30, 20_000)], 30_000).ready, [file(30, 20_000)], 'forgotten, then old enough at once');
  t.deepEqual(settler.observe([], 31_000), { ready: [], waiting: [], waitMs: undefined });
});

test('Settler: a file renamed in whole (old modification time) is complete at once', (t) => {
  const settler = new Settler(1000);
  const old = { name: 'old.bin', size: 5, mtimeMs: 1000 };
  const fresh = { name: 'fresh.bin', size: 5, mtimeMs: 49_900 };
  t.deepEqual(settler.observe([old, fresh], 50_000), { ready: [old], waiting: [fresh], waitMs: 1000 });
});

test('isIgnored(): hidden files and names of files still being written', (t) => {
  for (const name of [LEDGER_FILE, '.hidden', 'movie.mkv.part', 'a.tmp', 'b.crdownload', 'c.partial', 'notes.txt~', '.notes.txt.swp']) t.true(isIgnored(name), name);
  for (const name of ['report.pdf', 'a.b.c', 'part', 'tmp.txt']) t.false(isIgnored(name), name);
});

test('afterFailure(): a lost partial upload or a passing trouble is tried again, a changed file settles again', (t) => {
  for (const code of ['ERR_FILE_NOT_FOUND', 'ERR_CLOSED', 'ERR_NOT_CONNECTED', 'ERR_TIMEOUT', 'ERR_TOO_MANY_TRANSFERS']) t.is(afterFailure(code), 'again', code);
  t.is(afterFailure('ERR_CHECKSUM'), 'resettle');
  for (const code of ['ERR_FILE_TOO_LARGE', 'ERR_QUOTA_EXCEEDED', 'ERR_FORBIDDEN', undefined]) t.is(afterFailure(code), 'give-up', String(code));
});

test('Ledger: records survive a reload, are written atomically, and a foreign file is refused', async (t) => {
  const directory = await temporaryDirectory(t);
  const ledger = await Ledger.load(directory);
  t.is(ledger.size, 0);
  const record = { size: 3, mtimeMs: 1.5, id: 'a'.repeat(32), sha256: 'b'.repeat(64), room: 'lobby', sharedAt: 2 };
  await Promise.all([ledger.record('one.txt', record), ledger.record('two.txt', { ...record, size: 4 })]);
  t.deepEqual(await readdir(directory), [LEDGER_FILE], 'no temporary file left');
  const reloaded = await Ledger.load(directory);
  t.true(reloaded.has('one.txt', 3, 1.5));
  t.true(reloaded.has('two.txt', 4, 1.5));
  t.false(reloaded.has('one.txt', 3, 2), 'another version');
  t.true(reloaded.knows('one.txt'));
  await writeFile(join(directory, LEDGER_FILE), '{"half":');
  await t.throwsAsync(Ledger.load(directory), { instanceOf: LedgerError, message: /move it away/ });
});

test('readConfig(): defaults, and a bad setting is named', (t) => {
  t.like(readConfig({}), { host: 'localhost', port: 9009, name: 'file-drop', room: 'lobby', settleMs: 1000, scanMs: 2000 });
  t.true(readConfig({}).directory.endsWith('drop'));
  t.throws(() => readConfig({ PIECHAT_PORT: '0' }), { instanceOf: ConfigError, message: /PIECHAT_PORT/ });
  t.throws(() => readConfig({ PIECHAT_DROP_SETTLE_MS: 'soon' }), { instanceOf: ConfigError, message: /PIECHAT_DROP_SETTLE_MS/ });
  t.throws(() => readConfig({ PIECHAT_ROOM: 'two words' }), { instanceOf: ConfigError, message: /PIECHAT_ROOM/ });
});

// --- the example, run as a user runs it

/** A loopback server whose files live in `storage`, closed in teardown. */
async function serve(t: ExecutionContext, storage: string, options: ChatServerOptions = {}, port = 0): Promise<{ server: ChatServer; port: number }> {
  const server = new ChatServer({ storage, ...options });
  t.teardown(() => server.close());
  return { server, port: (await server.listen(port, '127.0.0.1')).port };
}

/** Runs the example on `drop` against `port`, killed in teardown whatever happens. */
function runDrop(t: ExecutionContext, port: number, drop: string, env: Record<string, string> = {}): Child {
  const child = runTs('examples/file-drop/file-drop.ts', {
    PIECHAT_HOST: '127.0.0.1',
    PIECHAT_PORT: String(port),
    PIECHAT_NAME: 'dropper',
    PIECHAT_DROP_DIR: drop,
    PIECHAT_DROP_SETTLE_MS: '150',
    PIECHAT_DROP_SCAN_MS: '250',
    ...env,
  });
  t.teardown(() => child.kill());
  return child;
}

/** Downloads a stored file through a fresh client and hashes it. */
async function downloadedSha256(port: number, file: FileInfo): Promise<string> {
  const client = new ChatClient({ host: '127.0.0.1', port, name: 'checker' });
  await client.connect();
  try {
    const hash = createHash('sha256');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done();
      },
    });
    await client.download(file.id, sink);
    return hash.digest('hex');
  } finally {
    await client.close();
  }
}

const names = (files: readonly FileInfo[]): string[] => files.map((file) => file.name).sort();

test('shares each new file once with the right SHA-256, and nothing again after a restart', async (t) => {
  const directory = await temporaryDirectory(t);
  const drop = join(directory, 'drop');
  const { server, port } = await serve(t, join(directory, 'storage'));
  const stored = collect(server, 'file');

  let run = runDrop(t, port, drop);
  await run.waitForLine(`file-drop: watching ${drop}, sharing into lobby on 127.0.0.1:${port} as dropper`);
  await run.waitForLine('scanned: 0 file(s) already shared (.piechat-shared.json), 0 to share');
  const a = await randomFile(drop, 'a.bin', 300_000);
  // b is written elsewhere and renamed in whole; a partial file and a hidden one are never shared.
  const b = await randomFile(directory, 'b.bin', 2 * MiB);
  await rename(b.path, join(drop, 'b.bin'));
  await writeFile(join(drop, 'c.bin.part'), 'still downloading');
  await writeFile(join(drop, '.hidden'), 'secret');
  await run.waitForLine(/^shared: a\.bin \(293\.0 KiB\) into lobby: id [0-9a-f]{32}, sha256 [0-9a-f]{64}$/);
  await run.waitForLine('shared: b.bin (2.0 MiB) into lobby');
  t.truthy(run.stdout.find((line) => /^progress: b\.bin \[#{20}\] 100%/.test(line)), run.output);
  await stored.atLeast(2);
  t.deepEqual(
    stored.map((file) => [file.name, file.sha256, file.from, file.room]).sort(),
    [
      ['a.bin', a.sha256, 'dropper', 'lobby'],
      ['b.bin', b.sha256, 'dropper', 'lobby'],
    ],
  );
  const ledger = JSON.parse(await readFile(join(drop, LEDGER_FILE), 'utf8')) as { files: Record<string, { sha256: string }> };
  t.deepEqual(Object.keys(ledger.files).sort(), ['a.bin', 'b.bin']);
  t.is(ledger.files['a.bin']?.sha256, a.sha256);

  run.process.kill('SIGTERM');
  t.deepEqual(await run.waitForExit(), { code: 0, signal: null }, run.output);
  t.is(run.stdout.at(-1), 'bye');

  run = runDrop(t, port, drop);
  await run.waitForLine('scanned: 2 file(s) already shared (.piechat-shared.json), 0 to share');
  const d = await randomFile(drop, 'd.bin', 1000);
  await run.waitForLine('shared: d.bin');
  // Files go one at a time, in order: had a or b been shared again, they would have come before d.
  t.deepEqual(names(stored), ['a.bin', 'b.bin', 'd.bin']);
  t.is(stored.at(-1)?.sha256, d.sha256);
  t.false(run.stdout.some((line) => line.startsWith('sharing: a.bin') || line.startsWith('sharing: b.bin')), run.output);
  run.process.kill('SIGINT');
  t.is((await run.waitForExit()).code, 0, run.output);
  t.deepEqual(run.stderr.filter((line) => line !== ''), []);
});

test('a server restart during an upload: the client reconnects and the file still arrives whole', async (t) => {
  const directory = await temporaryDirectory(t);
  const drop = join(directory, 'drop');
  const storage = join(directory, 'storage');
  // The first server takes uploads slowly, so that the restart surely falls in the middle.
  const first = await serve(t, storage, { maxUploadBytesPerSecond: 16 * MiB });
  const big = await randomFile(directory, 'big.bin', 64 * MiB);
  const run = runDrop(t, first.port, drop);
  await run.waitForLine('scanned: 0 file(s)');
  await rename(big.path, join(drop, 'big.bin'));
  await nextEvent(first.server, 'progress', (progress) => progress.name === 'big.bin' && progress.bytes >= 8 * MiB, 20_000);

  await first.server.close();
  const second = await serve(t, storage, {}, first.port); // a new server process: it knows nothing of the upload
  const arrived = nextEvent(second.server, 'file', (file) => file.name === 'big.bin', 30_000);
  await run.waitForLine('disconnected: shutdown');
  await run.waitForLine('retry: big.bin: the server lost the partial upload (ERR_FILE_NOT_FOUND', 20_000);
  await run.waitForLine('shared: big.bin (64.0 MiB) into lobby', 30_000);
  const file = await arrived;
  t.is(file.sha256, big.sha256);
  t.is(file.size, 64 * MiB);
  t.is(await downloadedSha256(second.port, file), big.sha256, 'the stored bytes are the file');
  t.true(run.stdout.some((line) => line.startsWith('connected: 127.0.0.1') && line.includes('new session')), run.output);
});

test('waits for a server that is not up yet; exits 2 on a bad setting', async (t) => {
  const directory = await temporaryDirectory(t);
  const drop = join(directory, 'drop');
  // A port nobody listens on (yet): take a free one and let it go.
  const probe = createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise((resolve) => probe.close(resolve));

  const run = runDrop(t, port, drop);
  await run.waitForLine(`waiting: no server at 127.0.0.1:${port} (ERR_NOT_CONNECTED`);
  const { server } = await serve(t, join(directory, 'storage'), {}, port);
  await run.waitForLine(`connected: 127.0.0.1:${port} as dropper, new session, in lobby`, 15_000);
  const shared = nextEvent(server, 'file', () => true, 10_000);
  const note = await randomFile(drop, 'note.txt', 10);
  t.is((await shared).sha256, note.sha256);

  const misconfigured = runDrop(t, port, drop, { PIECHAT_DROP_SCAN_MS: '1' });
  t.is((await misconfigured.waitForExit()).code, 2, misconfigured.output);
  t.true(misconfigured.stderr.some((line) => line.includes('PIECHAT_DROP_SCAN_MS')), misconfigured.output);
});

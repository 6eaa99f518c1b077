import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { ensureBuilt } from './helpers/build.js';
import { collect, nextEvent } from './helpers/chat.js';
import { cli, serverForCli } from './helpers/cli.js';
import { filesBelow, randomFile, sha256OfFile, temporaryDirectory } from './helpers/files.js';
import { StallingStore } from './helpers/stall-store.js';
import { nextPresence } from './helpers/wait.js';

// These tests run the CLI as users do, from dist/: build it if it is missing or stale.
test.before(ensureBuilt);

const MiB = 1024 * 1024;

test('chat: /send, /files, /get and /quit, end to end', async (t) => {
  const { connect, at, directory } = await serverForCli(t);
  const watcher = await connect('watcher');
  const source = await randomFile(directory, 'notes.bin', 2 * MiB);
  const into = join(directory, 'downloads');
  await mkdir(into);
  const announced = nextEvent(watcher, 'file', undefined, 10_000);
  const carol = cli(t, ['chat', '--name', 'carol', ...at]);
  await carol.waitForLine('* connected to server as carol');

  carol.writeLine(`/send ${source.path}`);
  await carol.waitForLine('* uploading notes.bin (2.0 MiB) to lobby');
  const uploaded = await carol.waitForLine('* uploaded notes.bin to lobby: 2.0 MiB in ');
  const id = /— id ([0-9a-f]{32})$/.exec(uploaded)?.[1];
  const file = await announced;
  t.like(file, { id, from: 'carol', room: 'lobby', name: 'notes.bin', sha256: source.sha256 });

  carol.writeLine('/files');
  t.regex(await carol.waitForLine(`* ${id}`), /^\* [0-9a-f]{32} +2\.0 MiB {2}lobby {2}carol {2}notes\.bin$/);

  carol.writeLine(`/get ${id} ${into}`);
  const saved = await carol.waitForLine('* saved notes.bin to ');
  t.true(saved.startsWith(`* saved notes.bin to ${join(into, 'notes.bin')}: 2.0 MiB in `), saved);
  t.true(saved.endsWith(`— sha256 ${source.sha256} verified`), saved);
  t.is(await sha256OfFile(join(into, 'notes.bin')), source.sha256);

  carol.writeLine('/quit');
  t.deepEqual(await carol.waitForExit(), { code: 0, signal: null }, carol.output);
  t.false(carol.stdout.some((line) => line.startsWith('! ')), carol.output);
});

test('chat: a script piped in at once waits for its upload before quitting', async (t) => {
  const { connect, at, directory } = await serverForCli(t);
  const watcher = await connect('watcher');
  const source = await randomFile(directory, 'notes.bin', 3 * MiB);
  const announced = nextEvent(watcher, 'file', undefined, 10_000);
  const messages = collect(watcher, 'message');
  const carolGone = nextPresence(watcher, 'leave', 'carol', 'lobby');
  const carol = cli(t, ['chat', '--name', 'carol', ...at]);
  carol.process.stdin.end(`/send ${source.path}\n/quit\nsaid after quit\n`);
  t.deepEqual(await carol.waitForExit(), { code: 0, signal: null }, carol.output);
  t.like(await announced, { from: 'carol', sha256: source.sha256 });
  await carolGone; // anything carol said would have reached watcher before her leave
  t.deepEqual(messages, [], 'lines after /quit are not run');
  t.true(carol.stdout.some((line) => line.startsWith('* uploaded notes.bin to lobby')), carol.output);
  t.deepEqual(await watcher.files().then((files) => files.length), 1);
});

test('chat: shared files are announced with the command that gets them; errors do not stop the session', async (t) => {
  const { connect, at } = await serverForCli(t);
  const watcher = await connect('watcher');
  const carol = cli(t, ['chat', '--name', 'carol', ...at]);
  await carol.waitForLine('* connected to server as carol');

  const shared = await watcher.sendFile(Buffer.alloc(1536), { room: 'lobby', name: 'report.pdf' });
  t.is(await carol.waitForLine('shared report.pdf'), `* watcher shared report.pdf (1.5 KiB) — /get ${shared.id}`);
  const secret = await watcher.sendFile(Buffer.from('psst'), { to: 'carol', name: 'secret.txt' });
  t.is(await carol.waitForLine('shared secret.txt'), `* watcher shared secret.txt (4 B) with you — /get ${secret.id}`);

  t.is(carol.stdout.filter((line) => line.includes(' shared ')).length, 2, `each file announced once\n${carol.output}`);
  carol.writeLine('/files');
  t.regex(await carol.waitForLine(`* ${secret.id}`), /^\* [0-9a-f]{32} +4 B {2}watcher -> carol {2}watcher {2}secret\.txt$/);
  carol.writeLine('/send /no/such/file');
  t.is(await carol.waitForLine('! ERR_FILE_NOT_FOUND'), '! ERR_FILE_NOT_FOUND: Cannot read "/no/such/file" (ENOENT)');
  carol.writeLine(`/get ${'0'.repeat(32)}`);
  t.regex(await carol.waitForLine('! download of'), /^! download of 0{32} failed: ERR_FILE_NOT_FOUND: /);
  carol.writeLine('/files dev');
  t.is(await carol.waitForLine('! ERR_NOT_IN_ROOM'), '! ERR_NOT_IN_ROOM: Not in room "dev"');
  carol.writeLine('/help');
  await carol.waitForLine('/send @user <path>');
  carol.writeLine('/quit');
  t.deepEqual(await carol.waitForExit(), { code: 0, signal: null }, carol.output);
});

test('chat: Ctrl-C cancels a running upload cleanly and exits 130', async (t) => {
  const directory = await temporaryDirectory(t);
  const store = new StallingStore(join(directory, 'store'));
  const { server, connect, at } = await serverForCli(t, { storage: store });
  const watcher = await connect('watcher');
  store.stallUploads = true;
  const source = await randomFile(directory, 'big.bin', 8 * MiB);
  const ended = nextEvent(server, 'transfer-end', undefined, 10_000);
  const carol = cli(t, ['chat', '--name', 'carol', ...at]);
  await carol.waitForLine('* connected to server as carol');
  carol.writeLine(`/send ${source.path}`);
  await carol.waitForLine(/^\* uploading big\.bin \[[#-]+\] +\d+%/); // under way, and held
  carol.process.kill('SIGINT');
  t.deepEqual(await carol.waitForExit(), { code: 130, signal: null }, carol.output);
  t.true(carol.stdout.includes('* cancelling 1 transfer'), carol.output);
  t.true(carol.stdout.includes('! upload of big.bin to lobby failed: ERR_ABORTED: The upload was cancelled'), carol.output);
  t.is((await ended).error?.code, 'ERR_ABORTED');
  t.deepEqual(await watcher.files(), []);
  t.deepEqual(await filesBelow(join(directory, 'store')), []);
});

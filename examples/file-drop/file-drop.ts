/**
 * `npm run example:file-drop`: watches a folder and shares each new file into a room, one at a
 * time, with progress. What it shared is recorded in the folder (`.piechat-shared.json`), so a
 * restart shares nothing twice; a server restart is ridden out (the client reconnects, and an
 * upload the server lost is started over). One line per event on stdout.
 *
 *   npx piechat serve                                 # a server on port 9009
 *   npm run example:file-drop                         # watches ./drop, shares into lobby
 *   PIECHAT_DROP_DIR=~/outbox PIECHAT_ROOM=dev npm run example:file-drop
 *
 * Exits 0 on SIGINT/SIGTERM, 1 if the server refuses it for good, 2 on a bad setting.
 */
import { mkdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { ChatClient, isPieChatError } from 'piechat';
import { formatBytes } from 'piechat';
import { ConfigError, readConfig, type DropConfig } from './config.js';
import { Ledger, LEDGER_FILE, LedgerError } from './ledger.js';
import { describeError, Sharer } from './sharer.js';
import { DropWatcher, type Observed } from './watcher.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
// eslint-disable-next-line no-control-regex
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
/** Refusals that no retry can fix: the name is taken or invalid, the credentials or TLS are wrong. */
const FINAL = new Set(['ERR_NAME_TAKEN', 'ERR_INVALID_NAME', 'ERR_AUTH', 'ERR_TLS', 'ERR_FORBIDDEN']);

let config: DropConfig;
let ledger: Ledger;
try {
  config = readConfig(process.env);
  await mkdir(config.directory, { recursive: true });
  ledger = await Ledger.load(config.directory);
} catch (error) {
  console.error(`file-drop: ${error instanceof ConfigError || error instanceof LedgerError ? error.message : describeError(error)}`);
  process.exit(2);
}
const { host, port, name, room, directory } = config;

const stop = new AbortController();
const client = new ChatClient({ host, port, name });
client.on('connect', ({ resumed, rooms }) => print(`connected: ${host}:${port} as ${client.name}, ${resumed ? 'session resumed' : 'new session'}, in ${rooms.join(', ')}`));
client.on('disconnect', ({ reason, error, willReconnect }) => {
  if (stop.signal.aborted) return;
  print(`disconnected: ${reason}${error ? ` (${describeError(error)})` : ''}${willReconnect ? ', reconnecting' : ''}`);
  if (!willReconnect) exitFailed('the server will not take it back');
});
client.on('reconnecting', ({ attempt, delayMs }) => print(`reconnecting: attempt ${attempt} in ${(delayMs / 1000).toFixed(1)} s`));
client.on('error', (error) => {
  print(`error: ${describeError(error)}`);
  if (client.state === 'idle') exitFailed('gave up reconnecting');
});

function exitFailed(why: string): void {
  console.error(`file-drop: stopping: ${why}`);
  process.exit(1);
}

/** Connects, waiting for a server that is not up yet; a final refusal exits 1. */
async function connect(): Promise<void> {
  for (let attempt = 1; !stop.signal.aborted; attempt++) {
    try {
      await client.connect();
      if (!client.joined.includes(room)) await client.join(room);
      return;
    } catch (error) {
      if (stop.signal.aborted) return;
      if (isPieChatError(error) && FINAL.has(error.code)) exitFailed(`cannot join ${room} on ${host}:${port} as ${name}: ${describeError(error)}`);
      const seconds = Math.min(10, 2 ** (attempt - 1));
      print(`waiting: no server at ${host}:${port} (${describeError(error)}); trying again in ${seconds} s`);
      await delay(seconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  }
}

// One file at a time, in the order they became complete.
const queue: Observed[] = [];
const pending = new Set<string>();
let wake: (() => void) | undefined;
let alreadyShared = 0;

function enqueue(file: Observed): void {
  if (ledger.has(file.name, file.size, file.mtimeMs)) {
    alreadyShared++;
    return;
  }
  if (pending.has(file.name)) return;
  pending.add(file.name);
  queue.push(file);
  wake?.();
}

const sharer = new Sharer(client, room, directory, print, stop.signal);
const watcher = new DropWatcher(directory, {
  settleMs: config.settleMs,
  scanMs: config.scanMs,
  ready: enqueue,
  waiting: (file) => print(`waiting: ${printable(file.name)} (${formatBytes(file.size)} so far) until it stops changing`),
  failed: (error) => print(`error: cannot read ${directory}: ${error.message}`),
});

async function work(): Promise<void> {
  while (!stop.signal.aborted) {
    const file = queue.shift();
    if (file === undefined) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    const shown = printable(file.name);
    const outcome = await sharer.share(file);
    pending.delete(file.name);
    switch (outcome.kind) {
      case 'shared': {
        const { id, sha256, size } = outcome.file;
        await ledger.record(file.name, { size: file.size, mtimeMs: file.mtimeMs, id, sha256, room, sharedAt: Date.now() });
        print(`shared: ${shown} (${formatBytes(size)}) into ${room}: id ${id}, sha256 ${sha256}`);
        break;
      }
      case 'changed':
        print(`changed: ${shown} changed while it was read; sharing it once it stops changing`);
        watcher.forget(file.name);
        break;
      case 'gone':
        print(`gone: ${shown} was removed before it was shared`);
        break;
      case 'failed':
        print(`failed: ${shown}: ${outcome.reason} (tried again when it changes, or at the next start)`);
        break;
      case 'stopped':
        return;
    }
  }
}

async function shutdown(): Promise<void> {
  if (stop.signal.aborted) return;
  stop.abort();
  watcher.close();
  wake?.();
  await client.close(); // an upload under way ends with ERR_CLOSED; it is shared again at the next start
  await ledger.flushed();
  print('bye');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

print(`file-drop: watching ${directory}, sharing into ${room} on ${host}:${port} as ${name}`);
await connect();
if (!stop.signal.aborted) {
  await watcher.start();
  print(`scanned: ${alreadyShared} file(s) already shared (${LEDGER_FILE}), ${queue.length} to share`);
  await work();
}

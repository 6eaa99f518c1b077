/**
 * `npm run example:terminal`: a full-screen chat for a human, in plain ANSI: messages, the room's
 * users, incoming files, a status line with transfer progress, and an input line with slash
 * commands. Without `PIECHAT_PORT` it starts its own server with a companion bot, so it works alone.
 * When stdin or stdout is not a terminal it falls back to a line mode (events out, commands in).
 *
 *   npm run example:terminal                                   # embedded server and piebot
 *   PIECHAT_PORT=9009 PIECHAT_NAME=alice npm run example:terminal
 *
 * Exits 0 after /quit (or Ctrl-C, SIGTERM, end of input), 1 if it cannot connect, 2 on a bad setting.
 */
import { userInfo } from 'node:os';
import { ChatClient } from 'piechat';
import { ConfigError, readConfig, type TerminalConfig } from './config.js';
import { startDemo, type Demo } from './demo.js';
import { runFullScreen } from './full-screen.js';
import { runLineMode } from './line-mode.js';
import { initialState } from './model.js';
import type { Screen } from './screen.js';
import { ChatSession, describeError } from './session.js';
import { Store } from './store.js';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'guest';
  }
}

let config: TerminalConfig;
try {
  config = readConfig(process.env, osUser());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`terminal: ${error.message}`);
  process.exit(2);
}

// Whatever happens, the terminal is given back as it was: on exit, and on a crash.
let screen: Screen | undefined;
process.on('exit', () => screen?.leave());
const crash = (error: unknown): void => {
  screen?.leave();
  console.error(`terminal: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

// SIGINT (Ctrl-C outside raw mode), SIGTERM and SIGHUP end the session cleanly; a second one at once.
const stop = new AbortController();
const interrupt = (): void => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, interrupt);

let demo: Demo | undefined;
if (config.port === undefined) {
  demo = await startDemo();
  console.log(`terminal: no PIECHAT_PORT, so started a demo server on ${demo.host}:${demo.port} with piebot`);
}
const host = demo?.host ?? config.host;
const port = demo?.port ?? config.port!;

const client = new ChatClient({ host, port, name: config.name });
const store = new Store(initialState(config.name, `${host}:${port}`));
const session = new ChatSession(client, store, { downloads: config.downloads });
const print = (line: string): void => void process.stdout.write(`${line}\n`);

try {
  console.log(`terminal: connecting to ${host}:${port} as ${config.name}`);
  await session.connect();
} catch (error) {
  console.error(`terminal: could not connect to ${host}:${port} as ${config.name}: ${describeError(error)}`);
  await demo?.close();
  process.exit(1);
}

if (process.stdin.isTTY === true && process.stdout.isTTY === true) {
  await runFullScreen(store, session, { input: process.stdin, output: process.stdout, color: config.color, started: (up) => (screen = up) }, stop.signal);
} else {
  await runLineMode(store, session, process.stdin, print, stop.signal);
}

await session.close();
await demo?.close();
// stdin may stay open (a terminal, a pipe nobody closes): the session is over, stop reading it.
process.stdin.destroy();
console.log('terminal: bye');

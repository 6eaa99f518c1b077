/**
 * When no `PIECHAT_PORT` is given, the terminal example runs against a server of its own, with
 * a companion so that the screen is not empty: `piebot` greets each newcomer, shares a small
 * file to try the files pane on, and answers the example bot's `!` commands.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient, ChatServer, type ChatMessage } from 'piechat';
import { answer, parseCommand } from '../bot/commands.js';

/** A running embedded server and its companion. */
export interface Demo {
  host: string;
  port: number;
  /** Stops the companion and the server, and deletes the server's files. */
  close(): Promise<void>;
}

/** The companion's name. */
export const DEMO_BOT = 'piebot';

const WELCOME_FILE = Buffer.from(
  'Welcome to PieChat!\n\nThis file came through the files pane: Tab, then its number (or /get <n>),\n' +
    'saved it into PIECHAT_DOWNLOADS once its SHA-256 matched.\n',
);

/** Starts a server on a free loopback port, files in a temporary directory, and the companion. */
export async function startDemo(): Promise<Demo> {
  const storage = await mkdtemp(join(tmpdir(), 'piechat-terminal-'));
  const server = new ChatServer({ storage, name: 'demo-server' });
  const { port } = await server.listen(0, '127.0.0.1');
  const bot = new ChatClient({ host: '127.0.0.1', port, name: DEMO_BOT });
  const quietly = (promise: PromiseLike<unknown>): void => void Promise.resolve(promise).catch(() => undefined);

  bot.on('join', ({ user, room }) => {
    // Share first, then say so: the newcomer sees the file numbered before the greeting.
    quietly(
      bot
        .sendFile(WELCOME_FILE, { room, name: 'welcome.txt' })
        .then(() => bot.send(`Welcome, ${user}! I shared welcome.txt: /get it by its number. Try !help, /send <file>, /join <room>.`, { room })),
    );
  });
  const reply = async (message: ChatMessage): Promise<void> => {
    if (message.system === true || parseCommand(message.text) === undefined) return;
    const users = parseCommand(message.text)?.name === 'users' ? await bot.users(message.room) : undefined;
    const text = answer(message.text, { bot: DEMO_BOT, from: message.from, room: message.room, users, now: new Date() });
    if (text !== undefined) await bot.send(text, message.room === undefined ? { to: message.from } : { room: message.room });
  };
  bot.on('message', (message) => quietly(reply(message)));
  await bot.connect();

  return {
    host: '127.0.0.1',
    port,
    async close() {
      await bot.close();
      await server.close();
      await rm(storage, { recursive: true, force: true });
    },
  };
}

/**
 * A chat bot: connects to a PieChat server, sits in some rooms, answers `!` commands and saves
 * every file shared with it (in its rooms, or privately) to a folder. What it answers lives in
 * `commands.ts`; this file only wires it to a ChatClient.
 *
 *   npx piechat serve                       # in one terminal
 *   npm run example:bot                     # in another
 *   PIECHAT_PORT=9100 PIECHAT_ROOMS=lobby,dev PIECHAT_BOT_NAME=helper PIECHAT_BOT_FILES=/srv/drop npx tsx examples/bot/bot.ts
 *
 * Exits 0 on SIGINT/SIGTERM, 1 if it cannot connect or loses the server, 2 on a bad setting.
 */
import { mkdir } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { ChatClient, isPieChatError, type ChatMessage, type FileInfo } from 'piechat';
import { answer, parseCommand } from './commands.js';

const env = process.env;
const host = env.PIECHAT_HOST || 'localhost';
const port = Number(env.PIECHAT_PORT || 9009);
const name = env.PIECHAT_BOT_NAME || 'piebot';
const rooms = (env.PIECHAT_ROOMS || 'lobby').split(',').map((room) => room.trim()).filter((room) => room !== '');
const filesDirectory = resolve(env.PIECHAT_BOT_FILES || './bot-files');

if (!Number.isInteger(port) || port < 1 || port > 65_535 || rooms.length === 0) {
  console.error(`${name}: PIECHAT_PORT must be 1-65535 and PIECHAT_ROOMS name at least one room`);
  process.exit(2);
}

const describe = (error: unknown): string => (isPieChatError(error) ? `${error.code}: ${error.message}` : String(error));
// Chat text is typed by strangers: never let it write terminal control sequences into the bot's log.
// eslint-disable-next-line no-control-regex
const loggable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);

try {
  await mkdir(filesDirectory, { recursive: true });
} catch (error) {
  console.error(`${name}: PIECHAT_BOT_FILES: cannot create ${filesDirectory}: ${(error as Error).message}`);
  process.exit(2);
}

const client = new ChatClient({ host, port, name });
let stopping = false;

async function reply(message: ChatMessage): Promise<void> {
  const command = parseCommand(message.text);
  if (command === undefined || message.system === true) return;
  // Only !users needs the server's member list, so ask for it only then.
  const users = command.name === 'users' ? await client.users(message.room) : undefined;
  const text = answer(message.text, { bot: client.name, from: message.from, room: message.room, users, now: new Date() });
  if (text === undefined) return;
  // Answer where we were asked: in the room, or privately to the sender.
  await client.send(text, message.room === undefined ? { to: message.from } : { room: message.room });
  console.log(`${message.room ?? `private ${message.from}`}: ${loggable(message.text)} -> ${loggable(text)}`);
}

/**
 * Saves a shared file into the folder. A directory destination (the trailing separator) keeps the
 * file's display name and never replaces an existing file: a second `notes.txt` becomes
 * `notes (1).txt`. Nothing is kept unless its SHA-256 matches.
 */
async function save(file: FileInfo): Promise<void> {
  const saved = await client.download(file.id, `${filesDirectory}${sep}`);
  const where = file.room === undefined ? 'privately' : `in ${file.room}`;
  console.log(`saved ${loggable(file.name)} (${file.size} bytes) from ${file.from} ${where} to ${loggable(saved.path ?? filesDirectory)}`);
}

client.on('message', (message) => {
  reply(message).catch((error: unknown) => console.error(`${name}: could not answer "${loggable(message.text)}": ${describe(error)}`));
});
client.on('file', (file) => {
  save(file).catch((error: unknown) => {
    // Downloads still running when the bot stops end with ERR_CLOSED: that is the stop, not a failure.
    if (!stopping) console.error(`${name}: could not save ${loggable(file.name)} (${file.id}): ${describe(error)}`);
  });
});
client.on('disconnect', ({ reason, error }) => {
  if (stopping) return;
  console.error(`${name}: lost the server ${host}:${port} (${reason})${error ? `: ${error.message}` : ''}`);
  process.exit(1);
});

async function stop(): Promise<void> {
  stopping = true;
  await client.close();
  console.log(`${name}: bye`);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

try {
  const info = await client.connect();
  for (const room of rooms) await client.join(room);
  // Sit in exactly the rooms asked for, not in the server's default ones too.
  for (const room of info.rooms) if (!rooms.includes(room)) await client.leave(room);
  console.log(`${client.name} saves shared files to ${filesDirectory}`);
  console.log(`${client.name} ready on ${host}:${port} in ${client.joined.join(', ')}`);
} catch (error) {
  if (!stopping) {
    console.error(`${name}: could not start on ${host}:${port}: ${describe(error)}`);
    process.exit(1);
  }
}

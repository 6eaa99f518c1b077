import { toPieChatError } from '../errors.js';
import type { FileCatalog } from './file-catalog.js';
import type { Hub } from './hub.js';
import { formatError, formatFileLine, HELP_TEXT, printable } from './line-format.js';
import type { Member } from './member.js';

/** What a command needs of the line-mode user that typed it. */
export interface LineUser extends Member {
  /** The room plain text goes to; undefined when the user is in none. */
  currentRoom: string | undefined;
  /** Writes one line to the user. */
  print(line: string): void;
  /** Ends the session. */
  quit(): void;
}

/** What commands act on: the chat and the files. */
export interface LineChat {
  readonly hub: Hub;
  readonly catalog: FileCatalog;
}

type Command = (chat: LineChat, user: LineUser, argument: string) => void | Promise<void>;

function firstWord(text: string): [string, string] {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  return space === -1 ? [trimmed, ''] : [trimmed.slice(0, space), trimmed.slice(space + 1).trim()];
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['help', (_chat, user) => user.print(HELP_TEXT)],
  [
    'join',
    ({ hub }, user, room) => {
      if (room === '') return user.print(formatError('Usage: /join <room>'));
      const already = user.rooms.has(room);
      const members = hub.join(user, room);
      user.currentRoom = room;
      const others = members.filter((name) => name !== user.name);
      const company = others.length === 0 ? 'nobody else yet' : others.join(', ');
      user.print(already ? `Now talking in ${room}` : `You joined ${room} (with ${company}); now talking there`);
    },
  ],
  [
    'leave',
    ({ hub }, user, argument) => {
      const room = argument === '' ? user.currentRoom : argument;
      if (room === undefined) return user.print(formatError('You are in no room'));
      hub.leave(user, room);
      if (user.currentRoom === room) user.currentRoom = [...user.rooms].at(-1);
      user.print(`You left ${room}${user.currentRoom === undefined ? '' : `; now talking in ${user.currentRoom}`}`);
    },
  ],
  [
    'msg',
    ({ hub }, user, argument) => {
      const [to, text] = firstWord(argument);
      if (to === '' || text === '') return user.print(formatError('Usage: /msg <user> <text>'));
      const receipt = hub.whisper(user, to, text);
      const echo = (sent: { to?: string }): void => user.print(`[you -> ${sent.to ?? to}] ${printable(text)}`);
      if (receipt instanceof Promise) receipt.then(echo, (error: unknown) => user.print(formatError(toPieChatError(error).message)));
      else echo(receipt);
    },
  ],
  [
    'users',
    ({ hub }, user, argument) => {
      const room = argument === '' ? user.currentRoom : argument;
      if (room === '*' || room === undefined) {
        const names = hub.userNames();
        return user.print(`Online (${names.length}): ${names.join(', ')}`);
      }
      const names = hub.userNames(room);
      user.print(names.length === 0 ? `Nobody is in ${room}` : `In ${room} (${names.length}): ${names.join(', ')}`);
    },
  ],
  [
    'rooms',
    ({ hub }, user) => {
      const rooms = hub.rooms();
      if (rooms.length === 0) return user.print('No rooms');
      for (const room of rooms) user.print(`${room.name} (${room.users.length}): ${room.users.join(', ')}`);
    },
  ],
  ['nick', (_chat, user) => user.print(formatError(`You are ${user.name}; names are fixed for a connection (reconnect to change it)`))],
  [
    'files',
    async ({ catalog }, user, argument) => {
      const room = argument === '' ? undefined : argument;
      if (room !== undefined && !user.rooms.has(room)) return user.print(formatError(`Not in room ${JSON.stringify(room)}`));
      await catalog.load();
      const files = catalog.visibleTo(user, room);
      if (files.length === 0) return user.print(room === undefined ? 'No files yet' : `No files in ${room} yet`);
      for (const file of files) user.print(formatFileLine(file));
    },
  ],
  ['quit', (_chat, user) => user.quit()],
]);

/**
 * Runs one line typed by an admitted line-mode user: a `/command`, or text for the current
 * room. Refusals are printed to the user, never thrown.
 */
export function runLine(chat: LineChat, user: LineUser, line: string): void {
  if (line.trim() === '') return;
  const refuse = (error: unknown): void => user.print(formatError(toPieChatError(error).message));
  try {
    if (!line.startsWith('/')) {
      if (user.currentRoom === undefined) return user.print(formatError('You are in no room: /join <room> first'));
      const sent = chat.hub.say(user, user.currentRoom, line);
      if (sent instanceof Promise) sent.catch(refuse);
      return;
    }
    const [name, argument] = firstWord(line.slice(1));
    const command = COMMANDS.get(name.toLowerCase());
    if (command === undefined) return user.print(formatError(`Unknown command /${printable(name)}; /help lists them`));
    const done = command(chat, user, argument);
    if (done !== undefined) done.catch(refuse);
  } catch (error) {
    refuse(error);
  }
}

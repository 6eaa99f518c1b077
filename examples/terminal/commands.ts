/**
 * What a line typed in the terminal UI means: text to say in the current room, or a slash
 * command. Pure parsing; `session.ts` carries the commands out.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A parsed input line. */
export type Command =
  | { kind: 'say'; text: string }
  | { kind: 'join'; room: string }
  | { kind: 'leave'; room?: string }
  | { kind: 'room'; room: string }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'send'; path: string; to?: string }
  | { kind: 'get'; file: number | string }
  | { kind: 'users'; room?: string }
  | { kind: 'files'; room?: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  /** A command typed wrongly: `message` says how to type it. */
  | { kind: 'usage'; message: string };

/** The lines `/help` shows. */
export const HELP: readonly string[] = [
  'Type a line to say it in the current room. Commands:',
  '  /join <room>          join a room and talk there',
  '  /room <room>          talk in another room you are in',
  '  /leave [room]         leave a room (default: the current one)',
  '  /msg <user> <text>    private message',
  '  /send <file>          share a file in the current room (/send @user <file>: privately)',
  '  /get <n>              download incoming file n (also Tab, then its number)',
  '  /files [room]         list files shared before you came (no room: all you may get)',
  '  /users [room]         who is in a room (no room: everyone online)',
  '  /quit                 leave (Ctrl-C too)',
  'Keys: Tab files pane, PgUp/PgDn scroll, Up/Down history, Ctrl-A/E/U/K/W edit, Ctrl-L redraw.',
];

/** A path as typed: surrounding quotes removed, a leading `~` for the home directory. */
export function typedPath(text: string): string {
  const unquoted = /^(["'])(.*)\1$/.exec(text)?.[2] ?? text;
  return unquoted === '~' || unquoted.startsWith('~/') ? join(homedir(), unquoted.slice(1)) : unquoted;
}

const USAGE: Readonly<Record<string, string>> = {
  join: 'Usage: /join <room>',
  room: 'Usage: /room <room>',
  msg: 'Usage: /msg <user> <text>',
  send: 'Usage: /send <file>, or /send @user <file>',
  get: 'Usage: /get <n> (the number in the files pane) or /get <file id>',
};

/**
 * Parses one input line; undefined for a blank one. `//text` says `/text`, so a line may start
 * with a slash.
 *
 * @example
 * ```ts
 * parseLine('/msg bob hi there'); // { kind: 'msg', to: 'bob', text: 'hi there' }
 * parseLine('hello');             // { kind: 'say', text: 'hello' }
 * ```
 */
export function parseLine(line: string): Command | undefined {
  if (line.trim() === '') return undefined;
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  const match = /^\/(\S+)\s*(.*)$/s.exec(line.trimEnd())!;
  const name = match[1]!.toLowerCase();
  const argument = match[2]!.trim();
  const usage = (): Command => ({ kind: 'usage', message: USAGE[name]! });
  switch (name) {
    case 'join':
    case 'room':
      return argument === '' || /\s/.test(argument) ? usage() : { kind: name, room: argument };
    case 'leave':
      return argument === '' ? { kind: 'leave' } : { kind: 'leave', room: argument };
    case 'msg':
    case 'w': {
      const parts = /^(\S+)\s+(.+)$/s.exec(argument);
      return parts === null ? { kind: 'usage', message: USAGE.msg! } : { kind: 'msg', to: parts[1]!, text: parts[2]! };
    }
    case 'send': {
      const privately = /^@(\S+)\s+(.+)$/s.exec(argument);
      if (privately !== null) return { kind: 'send', to: privately[1]!, path: typedPath(privately[2]!) };
      return argument === '' || argument.startsWith('@') ? usage() : { kind: 'send', path: typedPath(argument) };
    }
    case 'get':
      if (/^[1-9]\d{0,5}$/.test(argument)) return { kind: 'get', file: Number(argument) };
      return /^[0-9a-f]{32}$/.test(argument) ? { kind: 'get', file: argument } : usage();
    case 'users':
    case 'files':
      return argument === '' ? { kind: name } : { kind: name, room: argument };
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    default:
      return { kind: 'usage', message: `Unknown command /${name.slice(0, 32)}; /help lists them (//text says /text)` };
  }
}

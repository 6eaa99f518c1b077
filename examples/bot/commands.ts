/**
 * The commands of the example bot (`examples/bot/bot.ts`), as pure functions: text and context in,
 * reply out. No sockets, no clock and no randomness of their own, so a test can call them directly
 * and a host application can reuse them behind any transport.
 *
 * @example
 * ```ts
 * answer('!ping', { bot: 'piebot', from: 'alice', room: 'lobby', now: new Date() }); // 'pong'
 * answer('hello', { bot: 'piebot', from: 'alice', room: 'lobby', now: new Date() }); // undefined: not a command
 * ```
 */

/** What a command may need to know besides its own text. */
export interface CommandContext {
  /** The bot's own name: messages from it are never answered. */
  bot: string;
  /** Who sent the command. */
  from: string;
  /** The room the command was said in; undefined for a private command. */
  room?: string;
  /**
   * Members of `room` (or everyone online, for a private command). Only `!users` reads it, so the
   * caller may fetch it only for that command (see {@link parseCommand}).
   */
  users?: readonly string[];
  /** The current time, for `!time`. */
  now: Date;
  /**
   * A source of numbers in [0, 1), for `!roll`.
   * @default Math.random
   */
  random?: () => number;
}

/** A message split into its command name (lower-cased) and the rest of the line. */
export interface ParsedCommand {
  name: string;
  argument: string;
}

/** Most dice one `!roll` may throw. */
export const MAX_DICE = 100;
/** Most sides a die may have. */
export const MAX_SIDES = 1000;
/** Most names `!users` lists before summing up the rest. */
export const MAX_LISTED_USERS = 50;

interface Command {
  usage: string;
  run(argument: string, context: CommandContext): string;
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['help', { usage: '!help', run: () => `Commands: ${[...COMMANDS.values()].map((command) => command.usage).join(', ')}` }],
  ['ping', { usage: '!ping', run: () => 'pong' }],
  ['time', { usage: '!time', run: (_argument, { now }) => `It is ${now.toISOString()}` }],
  ['users', { usage: '!users', run: (_argument, context) => listUsers(context) }],
  ['echo', { usage: '!echo <text>', run: (argument) => (argument === '' ? 'Usage: !echo <text>' : argument) }],
  ['roll', { usage: '!roll [NdM]', run: (argument, context) => roll(argument, context) }],
]);

/**
 * Recognises a command: `!` followed by a name of letters, digits, `_` or `-`, then optional text.
 * Returns undefined for anything else (ordinary chat, a lone `!`, `!!!`).
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  const match = /^!([a-z][\w-]*)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (match === null) return undefined;
  return { name: match[1]!.toLowerCase(), argument: (match[2] ?? '').trim() };
}

/**
 * The bot's reply to `text`, or undefined when it should say nothing: the text is not a command,
 * or the bot sent it itself. Unknown commands and bad arguments get a helpful reply, never a throw.
 */
export function answer(text: string, context: CommandContext): string | undefined {
  if (context.from.toLowerCase() === context.bot.toLowerCase()) return undefined;
  const parsed = parseCommand(text);
  if (parsed === undefined) return undefined;
  const command = COMMANDS.get(parsed.name);
  if (command === undefined) return `Unknown command !${parsed.name.slice(0, 32)}. Try !help`;
  return command.run(parsed.argument, context);
}

function listUsers({ room, users }: CommandContext): string {
  if (users === undefined) return 'I do not know who is here';
  const where = room === undefined ? 'Online' : `In ${room}`;
  const shown = users.slice(0, MAX_LISTED_USERS).join(', ');
  const more = users.length > MAX_LISTED_USERS ? ` and ${users.length - MAX_LISTED_USERS} more` : '';
  return `${where} (${users.length}): ${shown}${more}`;
}

const ROLL_USAGE = `Usage: !roll [NdM], with N from 1 to ${MAX_DICE} dice of M from 2 to ${MAX_SIDES} sides (default 1d6)`;

function roll(argument: string, { from, random = Math.random }: CommandContext): string {
  const match = /^(\d*)d(\d+)$/i.exec(argument === '' ? '1d6' : argument);
  if (match === null) return ROLL_USAGE;
  const count = match[1] === '' ? 1 : Number(match[1]);
  const sides = Number(match[2]);
  if (count < 1 || count > MAX_DICE || sides < 2 || sides > MAX_SIDES) return ROLL_USAGE;
  // min() guards against a random() that returns 1, which Math.random never does but a stub might.
  const dice = Array.from({ length: count }, () => Math.min(sides, 1 + Math.floor(random() * sides)));
  const total = dice.reduce((sum, die) => sum + die, 0);
  const shown = count === 1 ? `${total}` : `${dice.join(' + ')} = ${total}`;
  return `${from} rolled ${count}d${sides}: ${shown}`;
}

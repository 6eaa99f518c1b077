import { createInterface, type Interface } from 'node:readline';
import { ChatClient } from '../client/chat-client.js';
import { isPieChatError } from '../errors.js';
import { clientSecurityOf, CONNECTION_OPTIONS, CONNECTION_USAGE, hostOf, parse, portOf, UsageError } from './args.js';
import { printable } from '../util/text.js';
import { ChatFiles, formatFileShared } from './chat-files.js';
import { formatChatMessage, printAbove } from './terminal.js';
import { EXIT_INTERRUPTED } from './transfer-command.js';

/** Usage of `piechat chat`. */
export const CHAT_USAGE = `piechat chat --name <name> ${CONNECTION_USAGE}`;

const HELP = [
  'Type a line to say it in the current room. Commands:',
  '  /join <room>        join a room and talk there',
  '  /room <room>        talk in another room you are in',
  '  /leave [room]       leave a room (default: the current one)',
  '  /msg <user> <text>  private message',
  '  /users [room]       who is in a room (no room: everyone online)',
  '  /rooms              rooms and their members',
  '  /send <path>        upload a file to the current room',
  '  /send @user <path>  send a file privately',
  '  /get <id> [dest]    download a file (default: into the current directory)',
  '  /files [room]       files you may download',
  '  /quit               leave once running transfers are done (Ctrl-C cancels them)',
  'Transfers run in the background and report their progress; you can keep chatting.',
].join('\n');

/** The state of one interactive session. */
interface Session {
  client: ChatClient;
  rl: Interface | undefined;
  room: string | undefined;
  files: ChatFiles;
  /** Set by /quit or Ctrl-C: lines still queued are not run. */
  quitting: boolean;
}

type Command = (session: Session, argument: string) => Promise<void>;

const say = (session: Session, line: string): void => printAbove(session.rl, line);

const COMMANDS: Record<string, Command> = {
  async help(session) {
    say(session, HELP);
  },
  async join(session, room) {
    const users = await session.client.join(room);
    session.room = room;
    say(session, `* you joined ${room}: ${users.join(', ')}`);
  },
  async room(session, room) {
    if (!session.client.joined.includes(room)) throw new UsageError(`You are not in ${room}; /join it first`);
    session.room = room;
    say(session, `* now talking in ${room}`);
  },
  async leave(session, argument) {
    const room = argument || session.room;
    if (room === undefined) throw new UsageError('Usage: /leave <room>');
    await session.client.leave(room);
    if (session.room === room) session.room = session.client.joined.at(-1);
    say(session, `* you left ${room}`);
  },
  async msg(session, argument) {
    const [to, ...words] = argument.split(/\s+/);
    if (!to || words.length === 0) throw new UsageError('Usage: /msg <user> <text>');
    const message = await session.client.send(words.join(' '), { to });
    say(session, formatChatMessage(message));
  },
  async users(session, room) {
    const users = await session.client.users(room || undefined);
    say(session, `* ${room || 'online'} (${users.length}): ${users.join(', ')}`);
  },
  async rooms(session) {
    for (const room of await session.client.rooms()) say(session, `* ${room.name} (${room.users.length}): ${room.users.join(', ')}`);
  },
  async send(session, argument) {
    await session.files.send(argument, session.room);
  },
  async get(session, argument) {
    await session.files.get(argument);
  },
  async files(session, room) {
    await session.files.list(room);
  },
  async quit(session) {
    // The session ends once the queue is done; running transfers are waited for then.
    session.quitting = true;
  },
};

async function runLine(session: Session, line: string): Promise<void> {
  if (session.quitting || line.trim() === '') return;
  if (!line.startsWith('/')) {
    if (session.room === undefined) throw new UsageError('You are in no room: /join <room> first');
    await session.client.send(line, { room: session.room });
    return;
  }
  const [name = '', ...rest] = line.slice(1).split(' ');
  const command = COMMANDS[name];
  if (command === undefined || !Object.hasOwn(COMMANDS, name)) throw new UsageError(`Unknown command /${name}; /help lists them`);
  await command(session, rest.join(' ').trim());
}

/**
 * `piechat chat`: an interactive client that shows every event and has slash commands. Resolves
 * with the exit code: 0, or 130 when Ctrl-C cancelled running transfers.
 */
export async function chat(argv: string[]): Promise<number> {
  const { values } = parse(argv, CONNECTION_OPTIONS);
  if (values.name === undefined) throw new UsageError('--name is required');
  const client = new ChatClient({ name: values.name, host: hostOf(values.host), port: portOf(values.port), ...clientSecurityOf(values) });
  const session: Session = { client, rl: undefined, room: undefined, files: new ChatFiles(client, (line) => say(session, line)), quitting: false };
  client.on('message', (message) => say(session, formatChatMessage(message)));
  client.on('join', ({ user, room }) => say(session, `* ${user} entered ${room}`));
  client.on('leave', ({ user, room, reason }) => say(session, `* ${user} left ${room}${reason === 'left' ? '' : ` (${reason})`}`));
  client.on('file', (file) => say(session, formatFileShared(file)));
  client.on('disconnect', ({ reason, error }) => say(session, `* disconnected (${reason})${error ? `: ${printable(error.message)}` : ''}`));
  const info = await client.connect();
  session.room = info.rooms.at(-1);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, prompt: '> ' });
  session.rl = interactive ? rl : undefined;
  say(session, `* connected to ${printable(info.server)} as ${info.name}; talking in ${session.room ?? 'no room'}. /help for commands.`);
  session.rl?.prompt();
  // Ctrl-C with a terminal ends the input (readline closes): the session then waits for running
  // transfers. Ctrl-C as a signal (piped input, or while waiting) cancels them; a second one exits.
  let interrupted = false;
  const interrupt = (): void => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    session.quitting = true;
    if (session.files.running > 0) say(session, `* cancelling ${plural(session.files.running, 'transfer')}`);
    session.files.cancelAll();
    rl.close();
  };
  process.on('SIGINT', interrupt);
  // Lines run one after another, in the order typed (or piped): a /join finishes before the next
  // line is said in the new room. A transfer only starts in its turn, then runs in the background.
  let queue = Promise.resolve();
  await new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      queue = queue.then(() =>
        runLine(session, line)
          .catch((error: unknown) => {
            const message = isPieChatError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
            say(session, `! ${printable(message)}`);
          })
          .finally(() => {
            if (session.quitting || client.state === 'closed') rl.close();
            else session.rl?.prompt();
          }),
      );
    });
    rl.on('close', () => {
      session.rl = undefined; // no prompt to redraw from now on
      resolve();
    });
    client.on('disconnect', () => rl.close());
  });
  await queue;
  try {
    if (session.files.running > 0 && !interrupted) say(session, `* waiting for ${plural(session.files.running, 'transfer')} to finish (Ctrl-C cancels)`);
    await session.files.settle();
  } finally {
    process.off('SIGINT', interrupt);
  }
  await client.close();
  // stdin may stay open (a pipe, a terminal): the session is over, so stop reading it.
  process.stdin.destroy();
  return interrupted ? EXIT_INTERRUPTED : 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

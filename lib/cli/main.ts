#!/usr/bin/env node
import { isPieChatError } from '../errors.js';
import { VERSION } from '../version.js';
import { UsageError } from './args.js';
import { chat, CHAT_USAGE } from './chat.js';
import { get, GET_USAGE } from './get.js';
import { send, SEND_USAGE } from './send.js';
import { serve, SERVE_USAGE } from './serve.js';

const USAGE = [
  `piechat ${VERSION}`,
  '',
  'Usage:',
  `  ${SERVE_USAGE}`,
  `  ${CHAT_USAGE}`,
  `  ${SEND_USAGE}`,
  `  ${GET_USAGE}`,
  '  piechat --version',
  '',
  'send and get connect as --name, or as your user name with a random suffix. Ctrl-C cancels a transfer (exit 130).',
  '',
].join('\n');

/** A command resolves with its exit code (nothing means 0) or throws (1, or 2 for a UsageError). */
const COMMANDS: Record<string, (argv: string[]) => Promise<number | void>> = { serve, chat, send, get };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (command === undefined || command === '--help' || command === 'help' || rest.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    console.error(`Unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return (await run(rest)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(isPieChatError(error) ? `piechat: ${error.code}: ${error.message}` : `piechat: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

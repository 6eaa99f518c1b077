#!/usr/bin/env node
import { isPieChatError } from '../errors.js';
import { VERSION } from '../version.js';
import { UsageError } from './args.js';
import { chat, CHAT_USAGE } from './chat.js';
import { serve, SERVE_USAGE } from './serve.js';

const USAGE = [`piechat ${VERSION}`, '', 'Usage:', `  ${SERVE_USAGE}`, `  ${CHAT_USAGE}`, '  piechat --version', ''].join('\n');

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { serve, chat };

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
    await run(rest);
    return 0;
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

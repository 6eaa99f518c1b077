import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_HOST, DEFAULT_PORT } from '../defaults.js';

/** Options every command that talks to a server understands. */
export const CONNECTION_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  name: { type: 'string', short: 'n' },
  help: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** An error in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `argv` against `options`, turning parse failures into {@link UsageError}s. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Reads `--port`, defaulting to 9009. */
export function portOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0-65535, got "${value}"`);
  return port;
}

/** Reads `--host`, defaulting to localhost. */
export function hostOf(value: string | undefined): string {
  return value ?? DEFAULT_HOST;
}

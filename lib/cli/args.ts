import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ChatClientOptions } from '../client/options.js';
import { DEFAULT_HOST, DEFAULT_MAX_NAME_LENGTH, DEFAULT_PORT, DEFAULT_ROOMS } from '../defaults.js';

/** Options every command that talks to a server understands. */
export const CONNECTION_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  name: { type: 'string', short: 'n' },
  help: { type: 'boolean' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  token: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Usage of the connection options shared by the client commands. */
export const CONNECTION_USAGE = '[--host localhost] [--port 9009] [--tls [--ca <ca.pem>]] [--token <token>]';

/**
 * The security part of a client's options from `--tls`, `--ca` (a PEM file; implies `--tls`)
 * and `--token` (or the `PIECHAT_TOKEN` environment variable, kept out of the process list).
 */
export function clientSecurityOf(values: { tls?: boolean; ca?: string; token?: string }): Pick<ChatClientOptions, 'tls' | 'token'> {
  const security: Pick<ChatClientOptions, 'tls' | 'token'> = {};
  if (values.ca !== undefined) {
    try {
      security.tls = { ca: readFileSync(values.ca) };
    } catch (error) {
      throw new UsageError(`--ca: cannot read ${values.ca} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  } else if (values.tls === true) security.tls = true;
  const token = values.token ?? process.env.PIECHAT_TOKEN;
  if (token !== undefined && token !== '') security.token = token;
  return security;
}

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

/** The room `send` shares into when neither `--room` nor `--to` is given. */
export const DEFAULT_ROOM = DEFAULT_ROOMS[0] ?? 'lobby';

/** Characters a PieChat name may not contain (it allows letters, digits, `_`, `-` and `.`). */
const NAME_UNSAFE = /[^\p{L}\p{N}_.-]+/gu;

/** Longest base kept from the OS user name, leaving room for the suffix within the default name limit. */
const NAME_BASE_LENGTH = DEFAULT_MAX_NAME_LENGTH - 5;

/** The OS user name, or `user` when the system does not know one. */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'user';
  }
}

/**
 * A name for one-shot commands (`send`, `get`) when `--name` is not given: the OS user name made
 * valid for PieChat, plus a short random suffix so that several commands can run at once, e.g.
 * `alice-3f2a`.
 */
export function defaultUserName(user: string = osUserName()): string {
  let base = '';
  for (const character of user.replace(NAME_UNSAFE, '_').replace(/^_+|_+$/g, '')) {
    if (base.length + character.length > NAME_BASE_LENGTH) break;
    base += character;
  }
  return `${base || 'user'}-${randomBytes(2).toString('hex')}`;
}

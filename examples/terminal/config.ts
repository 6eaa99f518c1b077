/**
 * The terminal example's settings, read once from the environment and checked, so that a bad
 * value is reported by name before anything starts.
 */

/** What the example runs with. */
export interface TerminalConfig {
  /** Server host. */
  host: string;
  /** Server port; undefined when `PIECHAT_PORT` is not set: an embedded demo server is started. */
  port: number | undefined;
  /** The name to chat under. */
  name: string;
  /** Where `/get` saves files. */
  downloads: string;
  /** Colours on the full screen (off with `NO_COLOR`). */
  color: boolean;
}

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A user name the server accepts, made from an OS account name: letters, digits, `_`, `-`, `.`. */
export function nameFrom(user: string): string {
  const name = user.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 32);
  return name === '' ? 'guest' : name;
}

/**
 * Reads `PIECHAT_HOST` (default `localhost`), `PIECHAT_PORT` (unset: embedded server),
 * `PIECHAT_NAME` (default: `user`, the OS account, made valid), `PIECHAT_DOWNLOADS` (default
 * `./downloads`) and `NO_COLOR`. Throws a {@link ConfigError} for a bad value.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>, user: string): TerminalConfig {
  const rawPort = env.PIECHAT_PORT;
  const port = rawPort === undefined || rawPort === '' ? undefined : Number(rawPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new ConfigError(`PIECHAT_PORT must be a port number from 1 to 65535, got "${rawPort}"`);
  }
  const name = env.PIECHAT_NAME || nameFrom(user);
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) {
    throw new ConfigError(`PIECHAT_NAME must be 1 to 32 letters, digits, "_", "-" or ".", got "${name.slice(0, 40)}"`);
  }
  return {
    host: env.PIECHAT_HOST || 'localhost',
    port,
    name,
    downloads: env.PIECHAT_DOWNLOADS || './downloads',
    color: env.NO_COLOR === undefined || env.NO_COLOR === '',
  };
}

/**
 * The file-drop example's settings, read once from the environment and checked, so that a bad
 * value is reported by name before anything starts.
 */
import { resolve } from 'node:path';

/** What the example runs with. */
export interface DropConfig {
  host: string;
  port: number;
  /** The user name it shares under. */
  name: string;
  /** The room files are shared into. */
  room: string;
  /** The folder watched (absolute). */
  directory: string;
  /** How long a file's size and modification time must stay the same before it is shared. */
  settleMs: number;
  /** How often the folder is scanned besides change notifications (which some file systems lack). */
  scanMs: number;
}

/** A setting that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: Readonly<Record<string, string | undefined>>, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${variable} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

/**
 * Reads `PIECHAT_HOST` (`localhost`), `PIECHAT_PORT` (9009), `PIECHAT_NAME` (`file-drop`),
 * `PIECHAT_ROOM` (`lobby`), `PIECHAT_DROP_DIR` (`./drop`), `PIECHAT_DROP_SETTLE_MS` (1000) and
 * `PIECHAT_DROP_SCAN_MS` (2000). Throws a {@link ConfigError} for a bad value.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>>): DropConfig {
  const name = env.PIECHAT_NAME || 'file-drop';
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) throw new ConfigError(`PIECHAT_NAME must be 1 to 32 letters, digits, "_", "-" or ".", got "${name.slice(0, 40)}"`);
  const room = env.PIECHAT_ROOM || 'lobby';
  if (/\s/.test(room) || room.length > 64) throw new ConfigError(`PIECHAT_ROOM must be a room name without spaces, got "${room.slice(0, 70)}"`);
  return {
    host: env.PIECHAT_HOST || 'localhost',
    port: integer(env, 'PIECHAT_PORT', 9009, 1, 65_535),
    name,
    room,
    directory: resolve(env.PIECHAT_DROP_DIR || './drop'),
    settleMs: integer(env, 'PIECHAT_DROP_SETTLE_MS', 1000, 0, 3_600_000),
    scanMs: integer(env, 'PIECHAT_DROP_SCAN_MS', 2000, 50, 3_600_000),
  };
}

import { basename } from 'node:path';
import { printable } from '../util/text.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, DEFAULT_ROOM, parse, UsageError } from './args.js';
import { formatBytes } from './progress-bar.js';
import { connectFor, ensureJoined, interruptible, localFileSize, withProgressBar } from './transfer-command.js';

/** Usage of `piechat send`. */
export const SEND_USAGE = `piechat send <file> [--room lobby | --to <user>] [--name <you>] ${CONNECTION_USAGE}`;

const SEND_OPTIONS = { ...CONNECTION_OPTIONS, room: { type: 'string', short: 'r' }, to: { type: 'string' } } as const;

/**
 * `piechat send`: uploads one file to a room (joined first if needed) or privately to a user,
 * with a progress bar, then prints the stored file's id, name, size and SHA-256. Resolves with
 * the exit code: 0, or 130 when Ctrl-C cancelled the upload.
 */
export async function send(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, SEND_OPTIONS, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'send needs a file' : `send takes one file, got ${positionals.length} arguments`);
  if (values.room !== undefined && values.to !== undefined) throw new UsageError('--room and --to cannot be used together');
  const path = positionals[0]!;
  // A mistyped path is reported before connecting: no server needed to learn of it.
  await localFileSize(path);
  return interruptible(async (signal) => {
    const client = await connectFor(values, signal);
    try {
      const room = values.to === undefined ? (values.room ?? DEFAULT_ROOM) : undefined;
      if (room !== undefined) await ensureJoined(client, room);
      const upload = client.sendFile(path, room === undefined ? { to: values.to!, signal } : { room, signal });
      const file = await withProgressBar(upload, printable(basename(path)));
      console.log(`id:     ${file.id}`);
      console.log(`name:   ${printable(file.name)}`);
      console.log(`size:   ${file.size} bytes (${formatBytes(file.size)})`);
      console.log(file.room === undefined ? `to:     ${file.to ?? ''}` : `room:   ${file.room}`);
      console.log(`sha256: ${file.sha256}`);
    } finally {
      await client.close();
    }
  });
}

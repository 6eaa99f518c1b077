import { printable } from '../util/text.js';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, parse, UsageError } from './args.js';
import { formatBytes } from './progress-bar.js';
import { connectFor, ensureJoined, interruptible, withProgressBar } from './transfer-command.js';

/** Usage of `piechat get`. */
export const GET_USAGE = `piechat get <fileId> [dest] [--room <room>] [--name <you>] ${CONNECTION_USAGE}`;

const GET_OPTIONS = { ...CONNECTION_OPTIONS, room: { type: 'string', short: 'r' } } as const;

/**
 * `piechat get`: downloads one file into `dest` (a directory receives it under its display name;
 * default: the current directory), joining `--room` first since a room's files are for its
 * members, with a progress bar; prints where it was saved and its verified SHA-256. Resolves with
 * the exit code: 0, or 130 when Ctrl-C cancelled the download (nothing partial is left).
 */
export async function get(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, GET_OPTIONS, true);
  if (positionals.length === 0 || positionals.length > 2) {
    throw new UsageError(positionals.length === 0 ? 'get needs a file id' : `get takes a file id and a destination, got ${positionals.length} arguments`);
  }
  const [fileId, destination = '.'] = positionals as [string, string?];
  return interruptible(async (signal) => {
    const client = await connectFor(values, signal);
    try {
      if (values.room !== undefined) await ensureJoined(client, values.room);
      // The library resolves only once the SHA-256 of the bytes matched the file's and it was moved into place.
      const file = await withProgressBar(client.download(fileId, destination, { signal }));
      console.log(`saved:  ${printable(file.path ?? destination)}`);
      console.log(`name:   ${printable(file.name)}`);
      console.log(`size:   ${file.size} bytes (${formatBytes(file.size)})`);
      console.log(`sha256: ${file.sha256} (verified)`);
    } finally {
      await client.close();
    }
  });
}

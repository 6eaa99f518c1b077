import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { TransferProgress } from '../../lib/index.js';

/** A temporary directory removed when the test ends. */
export async function temporaryDirectory(t: ExecutionContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'piechat-test-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** Writes `size` random bytes to `directory/name`; resolves with the path and the digest. */
export async function randomFile(directory: string, name: string, size: number): Promise<{ path: string; sha256: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(directory, name);
  await writeFile(path, bytes);
  return { path, sha256: sha256Of(bytes), bytes };
}

/** SHA-256 of bytes, hexadecimal. */
export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file's content. */
export async function sha256OfFile(path: string): Promise<string> {
  return sha256Of(await readFile(path));
}

/** Every file below `directory`, relative paths, sorted. */
export async function filesBelow(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
    .sort();
}

/** True when progress reports only increase and end exactly at `total`. */
export function progressIsSound(reports: readonly TransferProgress[], total: number): boolean {
  if (reports.length === 0 || reports.at(-1)!.bytes !== total) return false;
  return reports.every((report, index) => report.total === total && (index === 0 || report.bytes > reports[index - 1]!.bytes));
}

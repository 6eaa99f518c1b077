import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ROOT } from './child.js';

/** What the examples and the CLI tests run: the package as `import 'piechat'` and `npx piechat` see it. */
const OUTPUTS = ['dist/index.js', 'dist/cli.js', 'dist/index.d.ts'];
/** What the build reads: when any is newer than the outputs, they are stale. */
const INPUTS = ['lib', 'package.json', 'rollup.config.mjs', 'tsconfig.json', 'tsconfig.build.json'];
/** Longest a build may take, and age after which another process's lock is considered abandoned. */
const BUILD_TIMEOUT_MS = 120_000;
/** Test files run in parallel processes: one builds while the others wait on this lock. */
const LOCK = join(tmpdir(), `piechat-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`);

function newest(path: string): number {
  const stat = statSync(join(ROOT, path));
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(join(ROOT, path)).map((entry) => newest(join(path, entry))));
}

/** True when every output exists and is newer than every input. */
function fresh(): boolean {
  let oldestOutput = Infinity;
  for (const output of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(join(ROOT, output)).mtimeMs);
    } catch {
      return false;
    }
  }
  return INPUTS.every((input) => newest(input) <= oldestOutput);
}

/**
 * Makes sure `dist/` is built from the current sources, running `rollup -c` when it is missing or
 * older than `lib/`. Safe to call from several test files at once: they take turns on a lock.
 */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!fresh()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test process is building: wait for it (polling a lock is the one wait here not on an event).
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock !== undefined && Date.now() - lock.mtimeMs > BUILD_TIMEOUT_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`dist/ is still not built after ${BUILD_TIMEOUT_MS} ms (lock ${LOCK})`);
      await delay(200);
      continue;
    }
    try {
      if (!fresh()) {
        const rollup = join(ROOT, 'node_modules/rollup/dist/bin/rollup');
        await promisify(execFile)(process.execPath, [rollup, '-c', '--silent'], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS });
      }
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return; // built once: an input with a future mtime must not make this loop forever
  }
}

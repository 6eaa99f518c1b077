import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: child processes run there so `tsx` and the `piechat` self-import resolve. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process whose output is collected line by line, with waits on lines and on exit that
 * fail after a timeout instead of hanging. {@link Child.kill} is safe to call in any teardown.
 */
export class Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  readonly #label: string;
  #waiters = new Set<() => void>();
  #exit: Exit | undefined;

  /** Runs `node <args>` in `cwd` (default: the repository root). */
  constructor(args: string[], env: Record<string, string> = {}, cwd = ROOT) {
    this.#label = args.join(' ');
    this.process = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env, NO_COLOR: '1' } });
    this.#collect(this.process.stdout, this.stdout);
    this.#collect(this.process.stderr, this.stderr);
    this.process.stdin.on('error', () => {}); // writing to a child that already exited is not this helper's failure
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  /** Everything printed so far, for assertion messages. */
  get output(): string {
    return `--- stdout of ${this.#label}\n${this.stdout.join('\n')}\n--- stderr\n${this.stderr.join('\n')}`;
  }

  /** Writes one line to the child's stdin. */
  writeLine(line: string): void {
    this.process.stdin.write(`${line}\n`);
  }

  /**
   * Resolves with the first stdout line (already printed or still to come) that contains `pattern`
   * or matches it; rejects if the child exits first or after `timeoutMs`.
   */
  waitForLine(pattern: string | RegExp, timeoutMs = 10_000, from: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
    const lines = from === 'stdout' ? this.stdout : this.stderr;
    const test = (line: string): boolean => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(test);
        if (found !== undefined) return done(() => resolve(found));
        if (this.#exit !== undefined) done(() => reject(new Error(`Exited (${this.#exit!.code ?? this.#exit!.signal}) before printing ${pattern}\n${this.output}`)));
      };
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`No line matching ${pattern} within ${timeoutMs} ms\n${this.output}`))), timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves with how the child ended; rejects after `timeoutMs` (the child is left to {@link kill}). */
  waitForExit(timeoutMs = 10_000): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Still running after ${timeoutMs} ms\n${this.output}`)), timeoutMs);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }

  /** Kills the child if it is still running and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.#exit === undefined && this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
  }

  #collect(stream: NodeJS.ReadableStream, lines: string[]): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      const parts = (partial + text).split(/\r?\n/);
      partial = parts.pop()!;
      lines.push(...parts);
      this.#notify();
    });
    stream.on('end', () => {
      if (partial !== '') lines.push(partial);
      partial = '';
      this.#notify();
    });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Runs a TypeScript file of the repository with tsx, as `node --import tsx <file>`. */
export function runTs(file: string, env: Record<string, string> = {}): Child {
  return new Child(['--import', 'tsx', file], env);
}

/** Runs the built CLI, as `node dist/cli.js <args>`, in the repository root or in `cwd`. */
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Child {
  return cwd === undefined ? new Child(['dist/cli.js', ...args], env) : new Child([join(ROOT, 'dist/cli.js'), ...args], env, cwd);
}

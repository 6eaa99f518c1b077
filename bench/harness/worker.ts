import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A request to a worker process and its answer, matched by `id`. */
interface Envelope {
  id: number;
  body: unknown;
  error?: string;
}

/**
 * A benchmark process (a peer's server, or the clients): started with tsx and `--expose-gc`,
 * driven by requests over IPC, each answered once.
 */
export class Worker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #next = 0;
  readonly exited: Promise<void>;

  constructor(script: string, args: string[]) {
    this.#child = fork(new URL(script, import.meta.url).pathname, args, {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: Envelope) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error === undefined) pending.resolve(message.body);
      else pending.reject(new Error(message.error));
    });
    this.exited = once(this.#child, 'exit').then(() => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`${script} exited`));
      this.#pending.clear();
    });
  }

  /** Sends `body` and resolves with the worker's answer. */
  request<T>(body: object): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, body });
    });
  }

  /** Asks the worker to exit, and waits for it (killing it if it lingers). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.send({ id: 0, body: { type: 'exit' } });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** In a worker: answers each request with `handle`'s result (or its error). */
export function serve(handle: (body: { type: string; [key: string]: unknown }) => Promise<unknown>): void {
  process.on('message', (message: Envelope) => {
    const body = message.body as { type: string };
    if (body.type === 'exit') {
      void handle(body).finally(() => process.exit(0));
      return;
    }
    handle(body).then(
      (result) => process.send!({ id: message.id, body: result ?? null }),
      (error: unknown) => process.send!({ id: message.id, body: null, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}

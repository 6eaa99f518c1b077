/**
 * The fallback when stdout (or stdin) is not a terminal: every event is printed as one line, and
 * each line read from stdin is run as if typed. Pipes, logs, `script`, CI and the smoke test use it.
 *
 * ```text
 * 10:04:05 * connected to 127.0.0.1:9009 as alice, in lobby; /help for commands
 * 10:04:07 [lobby] bob: hello alice
 * 10:04:09 * sending big.bin (24.0 MiB) to lobby
 * ↑ big.bin [########------------]  40%  9.6 MiB / 24.0 MiB  9.5 MiB/s  ETA 0:02
 * ↑ big.bin [####################] 100%  24.0 MiB / 24.0 MiB  9.8 MiB/s  ETA 0:00
 * 10:04:11 * sent big.bin to lobby (id 0f3c…)
 * ```
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { activeTransfers, clock, formatEntry, formatTransfer, type TransferView } from './format.js';
import type { Action, ChatState } from './model.js';
import type { ChatSession } from './session.js';
import type { Store } from './store.js';

/** Least time between two progress lines of one transfer. */
export const PROGRESS_INTERVAL_MS = 1_000;

/** Options of a {@link LinePrinter}. */
export interface LinePrinterOptions {
  /** Prints one line. */
  print: (line: string) => void;
  /**
   * The clock, in ms.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Least time between two progress lines of one transfer.
   * @default 1000
   */
  intervalMs?: number;
}

/**
 * Turns store actions into printed lines: each new log entry, and each transfer's progress at most
 * once a second plus its final 100% line. Subscribe {@link LinePrinter.listener} to the store.
 */
export class LinePrinter {
  readonly #print: (line: string) => void;
  readonly #now: () => number;
  readonly #intervalMs: number;
  /** When each running transfer last printed. */
  readonly #printedAt = new Map<string, number>();
  #lastEntry = 0;

  constructor(options: LinePrinterOptions) {
    this.#print = options.print;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  }

  /** The store listener. */
  readonly listener = (action: Action, before: ChatState, after: ChatState): void => {
    this.#progress(action, before, after);
    for (const entry of after.log) {
      if (entry.id <= this.#lastEntry) continue;
      this.#lastEntry = entry.id;
      this.#print(`${clock(entry.at, true)} ${formatEntry(entry)}`);
    }
    if (action.type === 'reconnecting' && after.status !== undefined) this.#print(`* ${after.status}`);
  };

  #progress(action: Action, before: ChatState, after: ChatState): void {
    switch (action.type) {
      case 'upload-progress':
      case 'download-progress': {
        const view = this.#viewOf(action, after);
        if (view === undefined || view.bytes >= view.total) return;
        const key = view.key;
        const now = this.#now();
        if (now - (this.#printedAt.get(key) ?? -Infinity) < this.#intervalMs) return;
        this.#printedAt.set(key, now);
        this.#print(formatTransfer(view));
        return;
      }
      case 'upload-done':
      case 'download-done': {
        // The transfer as it stood just before it ended, completed: the final 100% line.
        const view = this.#viewOf(action, before);
        if (view === undefined) return;
        this.#printedAt.delete(view.key);
        this.#print(formatTransfer({ ...view, bytes: view.total, at: action.at }));
        return;
      }
      case 'upload-failed':
      case 'download-failed': {
        const view = this.#viewOf(action, before);
        if (view !== undefined) this.#printedAt.delete(view.key);
      }
    }
  }

  /** The transfer `action` is about, as it stands in `state`. */
  #viewOf(action: Action, state: ChatState): TransferView | undefined {
    const key = 'transferId' in action ? `upload:${action.transferId}` : 'n' in action ? `download:${action.n}` : undefined;
    return activeTransfers(state).find((view) => view.key === key);
  }
}

/**
 * Runs the line mode: prints events until the session ends, runs each input line in turn (a
 * `/join` completes before the next line is said in the new room). Resolves after `/quit` or the
 * end of input, once running transfers have ended, so `printf '/send x\n' | …` sends the file;
 * or, after `stop` aborts, once they are cancelled.
 */
export async function runLineMode(store: Store, session: ChatSession, input: Readable, print: (line: string) => void, stop: AbortSignal): Promise<void> {
  const printer = new LinePrinter({ print });
  const unsubscribe = store.subscribe(printer.listener);
  print('* line mode (not a terminal): each line you enter is said or run; /help for commands');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let queue = Promise.resolve();
  let quitting = false;
  // A signal stops at once: no more lines, and running transfers are cancelled.
  const interrupt = (): void => {
    quitting = true;
    session.cancelAll();
    lines.close();
  };
  stop.addEventListener('abort', interrupt, { once: true });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      queue = queue.then(async () => {
        if (quitting) return;
        if ((await session.run(line)) === 'quit') {
          quitting = true;
          lines.close();
        }
      });
    });
    lines.on('close', resolve);
  });
  await queue;
  if (stop.aborted) session.cancelAll(); // a line that was running may have started one more
  if (session.running > 0) print(`* waiting for ${session.running} transfer(s) to finish`);
  await session.settle();
  stop.removeEventListener('abort', interrupt);
  unsubscribe();
}

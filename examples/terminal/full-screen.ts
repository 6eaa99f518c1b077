/**
 * The full-screen mode: keys become intents, intents become actions or session commands, and the
 * screen is repainted from the state after each change (at most once per turn of the event loop).
 */
import type { ReadStream, WriteStream } from 'node:tty';
import { intentOf, type Intent } from './keys.js';
import { maxScroll, paneHeight, render } from './render.js';
import { Screen } from './screen.js';
import type { ChatSession } from './session.js';
import type { Store } from './store.js';

/** Options of {@link runFullScreen}. */
export interface FullScreenOptions {
  input: ReadStream;
  output: WriteStream;
  /**
   * Use colours.
   * @default true
   */
  color?: boolean;
  /** Called with the screen once it is up, so that the caller can restore it on a crash. */
  started?: (screen: Screen) => void;
}

/**
 * Runs the full-screen UI until the user quits (`/quit`, Ctrl-C, Ctrl-D on an empty line) or
 * `stop` aborts. The terminal is restored before the promise settles, whatever happens.
 */
export async function runFullScreen(store: Store, session: ChatSession, options: FullScreenOptions, stop: AbortSignal): Promise<void> {
  const screen = new Screen(options.input, options.output);
  const color = options.color ?? true;
  let scheduled = false;
  const repaint = (full = false): void => {
    scheduled = false;
    screen.paint(render(store.state, screen.size, { color }), full);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => repaint());
  };

  // Lines run one after another, in the order entered; transfers then run in the background.
  let queue = Promise.resolve();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const enqueue = (line: string): void => {
    queue = queue.then(async () => {
      if ((await session.run(line)) === 'quit') finish();
    });
  };

  const carryOut = (intent: Intent): void => {
    switch (intent.kind) {
      case 'actions':
        for (const action of intent.actions) store.dispatch(action);
        return;
      case 'submit': {
        const line = store.state.input.text;
        store.dispatch({ type: 'submit' });
        enqueue(line);
        return;
      }
      case 'page': {
        const by = intent.by * Math.max(1, paneHeight(screen.size) - 1);
        store.dispatch({ type: 'scroll', by, max: maxScroll(store.state, screen.size) });
        return;
      }
      case 'download':
        store.dispatch({ type: 'focus', pane: 'input' });
        enqueue(`/get ${intent.n}`);
        return;
      case 'quit':
        finish();
        return;
      case 'redraw':
        repaint(true);
    }
  };

  const unsubscribe = store.subscribe(schedule);
  stop.addEventListener('abort', finish, { once: true });
  try {
    screen.enter(
      (text, key) => {
        const intent = intentOf(store.state, text, key);
        if (intent !== undefined) carryOut(intent);
      },
      () => repaint(true),
    );
    options.started?.(screen);
    repaint(true);
    await finished;
  } finally {
    unsubscribe();
    stop.removeEventListener('abort', finish);
    screen.leave();
  }
  // A quitting user does not wait for transfers: they are cancelled, and said so.
  if (session.running > 0) {
    options.output.write(`Cancelling ${session.running} transfer(s).\n`);
    session.cancelAll();
    await session.settle();
  }
}

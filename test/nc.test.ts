import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { closeAll, startServer } from './helpers/chat.js';
import { nextMessage, nextPresence } from './helpers/wait.js';

// The real `nc` (Debian's netcat-openbsd, installed by .ci/run), as a user at a terminal runs it.
const hasNc = spawnSync('nc', ['-h']).error === undefined;
if (!hasNc) {
  if (process.env.CI !== undefined) throw new Error('nc is missing: .ci/run installs netcat-openbsd');
  console.warn('\n*** SKIPPING the nc test: install netcat-openbsd ***\n');
}
const ncTest = hasNc ? test : test.skip;

/** An `nc` session: what it printed, line by line, and a way to type. */
class NcSession {
  readonly lines: string[] = [];
  readonly #process: ChildProcessWithoutNullStreams;
  #partial = '';
  #waiters = new Set<() => void>();

  constructor(t: ExecutionContext, port: number) {
    this.#process = spawn('nc', ['127.0.0.1', String(port)]);
    this.#process.stdout.setEncoding('utf8');
    this.#process.stdout.on('data', (text: string) => {
      const parts = (this.#partial + text).split(/\r?\n/);
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      for (const waiter of [...this.#waiters]) waiter();
    });
    t.teardown(() => {
      this.#process.kill();
    });
  }

  /** Types a line, as a user pressing Enter. */
  type(line: string): void {
    this.#process.stdin.write(`${line}\n`);
  }

  /** Resolves with the first line (printed or to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find((line) => pattern.test(line));
        if (found === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`nc never printed ${pattern}; it printed ${JSON.stringify(this.lines)}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

ncTest('two real nc sessions and a ChatClient chat with each other, as in the original exercise', async (t) => {
  const harness = await startServer({ lineModeDelayMs: 50 });
  t.teardown(() => closeAll(harness));
  const carol = await harness.connect('carol');
  const dave = new NcSession(t, harness.port);
  const erin = new NcSession(t, harness.port);
  await dave.waitFor(/What is your name/);
  const daveArrives = nextPresence(carol, 'join', 'dave', 'lobby');
  dave.type('dave');
  await dave.waitFor(/Hello dave!/);
  await daveArrives;
  await erin.waitFor(/What is your name/);
  erin.type('erin');
  await erin.waitFor(/Hello erin!/);
  await dave.waitFor(/erin entered lobby/);

  // nc → everyone.
  const atCarol = nextMessage(carol, (message) => message.from === 'dave');
  dave.type('hello from nc');
  t.like(await atCarol, { room: 'lobby', from: 'dave', text: 'hello from nc' });
  await erin.waitFor(/^\[lobby\] dave: hello from nc$/);

  // ChatClient → both nc users.
  await carol.send('hi netcat people', { room: 'lobby' });
  await dave.waitFor(/^\[lobby\] carol: hi netcat people$/);
  await erin.waitFor(/^\[lobby\] carol: hi netcat people$/);

  // Private messages both ways.
  erin.type('/msg carol psst');
  t.like(await nextMessage(carol, (message) => message.from === 'erin'), { to: 'carol', text: 'psst' });
  await carol.send('psst back', { to: 'dave' });
  await dave.waitFor(/^\[carol -> you\] psst back$/);

  // Leaving, in the words of the original: "is offline".
  const erinLeaves = nextPresence(carol, 'leave', 'erin', 'lobby');
  erin.type('/quit');
  await erinLeaves;
  await dave.waitFor(/erin is offline/);
});

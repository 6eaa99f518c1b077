import { connect, type Socket } from 'node:net';
import { Waiters } from './waiters.js';

/** A telnet-like test client: writes lines, collects the lines the server prints. */
export class LineClient {
  readonly socket: Socket;
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  #partial = '';
  readonly #waiters = new Waiters();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (this.#partial + text).split(/\r?\n/);
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      this.#waiters.notify();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#waiters.notify();
        resolve();
      }),
    );
  }

  /** Connects to the server on loopback. */
  static async open(port: number): Promise<LineClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /** Connects, waits for the name prompt and answers it; resolves once admitted. */
  static async login(port: number, name: string): Promise<LineClient> {
    const client = await LineClient.open(port);
    await client.waitForLine(/What is your name\?/);
    client.type(name);
    await client.waitForLine(new RegExp(`^Hello ${name}!`));
    return client;
  }

  /** Types one line. */
  type(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Resolves with the first line (already printed or to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs = 5_000): Promise<string> {
    return this.#waiters.until(
      () => this.lines.find((line) => pattern.test(line)),
      () => this.socket.destroyed,
      () => `a line matching ${pattern}; got:\n${this.lines.join('\n')}`,
      timeoutMs,
    );
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

}

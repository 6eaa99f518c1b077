import { connect, type Socket } from 'node:net';

/** A telnet-like test client: writes lines, collects the lines the server prints. */
export class LineClient {
  readonly socket: Socket;
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  #partial = '';
  #waiters: Array<() => boolean> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (this.#partial + text).split(/\r?\n/);
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
      this.#notify();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#notify();
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
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.lines.find((line) => pattern.test(line));
        if (found !== undefined) resolve(found);
        else if (this.socket.destroyed) reject(new Error(`Closed before a line matching ${pattern}; got:\n${this.lines.join('\n')}`));
        else return false;
        clearTimeout(timer);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== check);
        reject(new Error(`No line matching ${pattern} within ${timeoutMs} ms; got:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      if (!check()) this.#waiters.push(check);
    });
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((waiter) => !waiter());
  }
}

import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { PieChatError, toPieChatError } from '../errors.js';
import type { LeaveReason } from '../types.js';
import { authenticate, tlsIdentityOf, type Admission } from './authentication.js';
import type { AuthRequest } from './security-options.js';
import { leaveReasonFor, type SessionContext } from './context.js';
import type { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import { runLine, type LineUser } from './line-commands.js';
import { randomToken } from '../util/ids.js';
import { quote } from '../util/names.js';
import { formatError, formatFileShared, formatJoin, formatLeave, formatMessage, formatOffline } from './line-format.js';

const TELNET_IAC = 0xff;

/** Removes telnet negotiation (IAC sequences) from what a telnet client sends. */
export function stripTelnet(bytes: Buffer): Buffer {
  if (!bytes.includes(TELNET_IAC)) return bytes;
  const kept: number[] = [];
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (byte !== TELNET_IAC) {
      kept.push(byte);
      continue;
    }
    const command = bytes[index + 1];
    if (command === TELNET_IAC) {
      index++;
    } else if (command !== undefined && command >= 0xfb) {
      index += 2; // WILL, WONT, DO, DONT + option
    } else if (command === 0xfa) {
      const end = bytes.indexOf(0xf0, index);
      index = end === -1 ? bytes.length : end;
    } else {
      index++;
    }
  }
  return Buffer.from(kept);
}

/** A line-mode user has this many handshake timeouts to type a name (people are slower than programs). */
export const LINE_NAME_TIMEOUT_FACTOR = 6;

/** The prompt a line-mode user sees first. */
export const NAME_PROMPT = 'Welcome to PieChat! What is your name?\r\n';

/**
 * A telnet or `nc` user: a plain-text chat on the binary protocol's port. The first line is the
 * user's name; after that, lines are messages for the current room or `/commands`.
 */
export class LineSession implements LineUser {
  readonly mode = 'line';
  readonly rooms = new Set<string>();
  readonly address: string;
  readonly #socket: Socket;
  readonly #context: SessionContext;
  readonly #decoder = new StringDecoder('utf8');
  readonly #maxLineLength: number;
  #pending = '';
  #discarding = false;
  #name = '';
  #admitted = false;
  #closeReason: LeaveReason | undefined;
  #error: PieChatError | undefined;
  #nameTimer: NodeJS.Timeout | undefined;
  /** Running while a line has begun but not ended. */
  #lineTimer: NodeJS.Timeout | undefined;
  /** Lines typed while the `authenticate` hook runs. */
  #queued: string[] | undefined;
  authData?: Readonly<Record<string, unknown>>;
  currentRoom: string | undefined;
  connectedAt = 0;

  /** `deadline` (ms since epoch) is when the user must have given a name. */
  constructor(context: SessionContext, socket: Socket, address: string, prompted: boolean, deadline: number) {
    this.#context = context;
    this.#socket = socket;
    this.address = address;
    this.#maxLineLength = context.options.maxMessageBytes + 256;
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: Error) => {
      this.#error ??= new PieChatError('ERR_CLOSED', `Connection lost: ${error.message}`, { cause: error });
    });
    socket.on('close', () => this.#closed());
    if (context.options.lineIdleTimeoutMs > 0) {
      socket.setTimeout(context.options.lineIdleTimeoutMs);
      socket.on('timeout', () => this.#idle());
    }
    this.#nameTimer = setTimeout(() => this.#nameTimedOut(), Math.max(0, deadline - Date.now())).unref();
    if (!prompted) socket.write(NAME_PROMPT);
    context.track(this);
  }

  /** The user's name (empty until chosen). */
  get name(): string {
    return this.#name;
  }

  /** Feeds bytes received from the user. */
  receive(chunk: Buffer): void {
    let text = this.#pending + this.#decoder.write(stripTelnet(chunk));
    let newline = text.indexOf('\n');
    // A line that ends restarts the deadline: only one line trickled for too long is cut.
    if (newline !== -1) this.#clearLineTimer();
    while (newline !== -1 && !this.#socket.destroyed) {
      const line = text.slice(0, newline).replace(/\r$/, '');
      text = text.slice(newline + 1);
      if (this.#discarding) this.#discarding = false;
      else this.#line(line);
      newline = text.indexOf('\n');
    }
    if (text.length > this.#maxLineLength) {
      this.print(formatError(`Line longer than ${this.#maxLineLength} characters; it was dropped`));
      this.#discarding = true;
      text = '';
    }
    this.#pending = text;
    this.#watchPartialLine();
  }

  #clearLineTimer(): void {
    clearTimeout(this.#lineTimer);
    this.#lineTimer = undefined;
  }

  /** A line begun must end within `frameTimeoutMs` (a trickle of bytes does not keep it open). */
  #watchPartialLine(): void {
    const limitMs = this.#context.options.frameTimeoutMs;
    if (this.#pending === '' || limitMs === 0) {
      this.#clearLineTimer();
    } else if (this.#lineTimer === undefined) {
      this.#lineTimer = setTimeout(() => {
        this.#error = new PieChatError('ERR_TIMEOUT', 'A line took too long to arrive');
        this.closeBy('timeout', 'Line not finished in time, bye.');
      }, limitMs).unref();
    }
  }

  print(line: string): void {
    if (this.#socket.destroyed || !this.#socket.writable) return;
    this.#socket.write(`${line}\r\n`);
    if (this.#socket.writableLength > this.#context.options.maxOutputBufferBytes) {
      this.#error = new PieChatError('ERR_SLOW_CONSUMER', 'Output buffer overflowed');
      this.#socket.destroy();
    }
  }

  quit(): void {
    this.print('Bye!');
    // Closed from this side once the goodbye is written: the user leaves at once, even if its
    // terminal (nc, telnet) keeps its half of the connection open.
    this.#socket.end();
    this.#socket.destroySoon();
  }

  /** Closes the session on the server's initiative. */
  closeBy(reason: LeaveReason, message: string): void {
    this.#closeReason = reason;
    this.print(`*** ${message}`);
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 2_000).unref();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  deliverMessage(delivery: MessageDelivery): void {
    this.print(formatMessage(delivery.message));
  }

  deliverFile(delivery: FileDelivery): void {
    this.print(formatFileShared(delivery.file));
  }

  deliverJoin(delivery: JoinDelivery): void {
    this.print(formatJoin(delivery.event.user, delivery.event.room));
  }

  deliverLeave(delivery: LeaveDelivery): void {
    if (delivery.event.reason === 'left') this.print(formatLeave(delivery.event.user, delivery.event.room));
  }

  deliverOffline(user: string, reason: LeaveReason): void {
    if (reason !== 'left') this.print(formatOffline(user, reason));
  }

  #line(line: string): void {
    if (this.#admitted) {
      runLine(this.#context, this, line);
      return;
    }
    if (this.#queued !== undefined) {
      // Typed while the name is being checked: run once admitted.
      this.#queued.push(line);
      return;
    }
    const name = line.trim().replace(/^\/nick\s+/i, '');
    if (name === '') return;
    if (this.#context.options.authenticate === undefined && this.#context.cluster === undefined) this.#admit({ name });
    else void this.#authenticate(name);
  }

  /** Asks the `authenticate` hook about `name` and, in a cluster, claims it; lines typed meanwhile wait. */
  async #authenticate(name: string): Promise<void> {
    this.#queued = [];
    const request: AuthRequest = { name, address: this.address, mode: 'line', resuming: false };
    const tls = tlsIdentityOf(this.#socket);
    if (tls !== undefined) request.tls = tls;
    let admission: Admission;
    try {
      admission = await authenticate(this.#context.options, request, this.#context.reportError);
    } catch (error) {
      this.#queued = undefined;
      this.#error = toPieChatError(error);
      this.print(`*** ${this.#error.message}, bye.`);
      this.#socket.end();
      return;
    }
    const cluster = this.#context.cluster;
    if (cluster !== undefined) {
      let refusal: string | undefined;
      try {
        this.#context.hub.checkAdmission(admission.name);
        if (!(await cluster.claim(admission.name, randomToken()))) refusal = `The name ${quote(admission.name)} is taken`;
      } catch (error) {
        refusal = toPieChatError(error).message;
      }
      if (refusal !== undefined) {
        this.#queued = undefined;
        this.print(formatError(`${refusal}. What is your name?`));
        return;
      }
    }
    const queued = this.#queued;
    this.#queued = undefined;
    if (this.#socket.destroyed) return;
    this.#admit(admission);
    for (const line of queued) if (!this.#socket.destroyed) this.#line(line);
  }

  #admit(admission: Admission): void {
    const { name } = admission;
    this.#name = name;
    this.connectedAt = Date.now();
    try {
      this.#context.hub.admit(this);
    } catch (error) {
      this.#name = '';
      this.print(formatError(`${toPieChatError(error).message}. What is your name?`));
      return;
    }
    if (admission.data !== undefined) this.authData = admission.data;
    clearTimeout(this.#nameTimer);
    this.#admitted = true;
    this.#context.sessionOpened(this);
    if (this.#socket.destroyed || !this.#socket.writable) return;
    this.#context.hub.joinDefaultRooms(this);
    this.currentRoom = [...this.rooms].at(-1);
    const where = this.currentRoom === undefined ? 'in no room yet' : `talking in ${this.currentRoom}`;
    this.print(`Hello ${name}! You are ${where}. Type /help for commands.`);
  }

  #nameTimedOut(): void {
    this.#error = new PieChatError('ERR_TIMEOUT', 'No name given in time');
    this.print('*** No name given in time, bye.');
    this.#socket.end();
  }

  #idle(): void {
    this.#error = new PieChatError('ERR_TIMEOUT', 'Idle for too long');
    this.closeBy('timeout', 'Idle for too long, bye.');
  }

  #closed(): void {
    clearTimeout(this.#nameTimer);
    clearTimeout(this.#lineTimer);
    const reason = this.#closeReason ?? leaveReasonFor(this.#error);
    if (this.#admitted) this.#context.hub.remove(this, reason);
    this.#context.sessionClosed(this, this.#admitted ? this : undefined, this.address, reason, this.#error);
  }
}

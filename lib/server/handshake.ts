import type { Socket } from 'node:net';
import { HANDSHAKE_MAX_FRAME_BYTES } from '../defaults.js';
import { PieChatError, toPieChatError } from '../errors.js';
import type { WireObject } from '../protocol/fields.js';
import { parseHello } from '../protocol/parse-client.js';
import { Connection, type ConnectionHandler } from '../transport/connection.js';
import type { LeaveReason } from '../types.js';
import { nameKey } from '../util/names.js';
import { BinarySession } from './binary-session.js';
import { leaveReasonFor, type Closable, type SessionContext } from './context.js';

/**
 * A binary connection until its hello: then it becomes a new {@link BinarySession}, or takes over
 * the session named in the hello (same name, session id known) so that a client that reconnects
 * continues where it was.
 */
export class Handshake implements ConnectionHandler, Closable {
  readonly #context: SessionContext;
  readonly #connection: Connection;
  readonly #address: string;
  readonly #timer: NodeJS.Timeout;
  #done = false;

  constructor(context: SessionContext, socket: Socket, address: string, initial: Buffer) {
    this.#context = context;
    this.#address = address;
    this.#connection = new Connection(
      socket,
      this,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES, maxOutputBytes: context.options.maxOutputBufferBytes },
      initial,
    );
    this.#timer = setTimeout(() => this.#connection.fail(new PieChatError('ERR_TIMEOUT', 'Handshake not completed in time')), context.options.handshakeTimeoutMs);
    this.#timer.unref();
    context.track(this);
  }

  closeBy(_reason: LeaveReason, message: string, retryAfterMs?: number): void {
    const bye: Record<string, unknown> = { t: 'bye', reason: 'shutdown', message };
    if (retryAfterMs !== undefined) bye.retryAfterMs = retryAfterMs;
    this.#connection.close(undefined, bye);
  }

  destroy(): void {
    this.#connection.destroy();
  }

  onControl(object: WireObject): void {
    if (this.#done) return;
    const hello = parseHello(object);
    const { hub, sessions } = this.#context;
    const previous = hello.session === undefined ? undefined : sessions.get(hello.session);
    if (previous !== undefined && nameKey(previous.name) === nameKey(hello.name)) {
      this.#handOver();
      previous.attach(this.#connection, hello.resume, true);
      return;
    }
    try {
      hub.checkAdmission(hello.name);
    } catch (error) {
      this.#connection.fail(toPieChatError(error));
      return;
    }
    this.#handOver();
    new BinarySession(this.#context, hello.name, this.#address).attach(this.#connection, hello.resume, false);
  }

  onData(): void {
    throw new PieChatError('ERR_PROTOCOL', 'Data frame before the hello');
  }

  onDrain(): void {}

  onClose(error: PieChatError | undefined): void {
    clearTimeout(this.#timer);
    if (this.#done) return;
    this.#done = true;
    this.#context.sessionClosed(this, undefined, this.#address, leaveReasonFor(error), error);
  }

  #handOver(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#context.untrack(this);
  }
}

import type { Socket } from 'node:net';
import { HANDSHAKE_MAX_FRAME_BYTES } from '../defaults.js';
import { PieChatError, toPieChatError } from '../errors.js';
import type { WireObject } from '../protocol/fields.js';
import type { HelloMessage } from '../protocol/messages.js';
import { parseHello } from '../protocol/parse-client.js';
import { Connection, type ConnectionHandler } from '../transport/connection.js';
import type { LeaveReason } from '../types.js';
import { randomToken } from '../util/ids.js';
import { nameKey, quote } from '../util/names.js';
import { authenticate, tlsIdentityOf, type Admission } from './authentication.js';
import { BinarySession } from './binary-session.js';
import type { AuthRequest, TlsIdentity } from './security-options.js';
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
  readonly #tls: TlsIdentity | undefined;
  #done = false;
  /** Set once the hello arrived: nothing else may come before the welcome. */
  #helloSeen = false;

  constructor(context: SessionContext, socket: Socket, address: string, initial: Buffer) {
    this.#context = context;
    this.#address = address;
    this.#tls = tlsIdentityOf(socket);
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
    if (this.#helloSeen) throw new PieChatError('ERR_PROTOCOL', 'Nothing may follow the hello before the welcome');
    this.#helloSeen = true;
    void this.#admit(parseHello(object));
  }

  /** Authenticates the hello, then admits a new session or hands the connection to the one it resumes. */
  async #admit(hello: HelloMessage): Promise<void> {
    const { hub, sessions, options } = this.#context;
    const request: AuthRequest = { name: hello.name, address: this.#address, mode: 'binary', resuming: hello.session !== undefined };
    if (hello.token !== undefined) request.token = hello.token;
    if (hello.password !== undefined) request.password = hello.password;
    if (this.#tls !== undefined) request.tls = this.#tls;
    let admission: Admission;
    try {
      admission = await authenticate(options, request, this.#context.reportError);
    } catch (error) {
      if (!this.#done) this.#connection.fail(toPieChatError(error));
      return;
    }
    // The connection may have closed (or the server started closing) while the hook ran.
    if (this.#done) return;
    const previous = hello.session === undefined ? undefined : sessions.get(hello.session);
    if (previous !== undefined && nameKey(previous.name) === nameKey(admission.name)) {
      // What `authenticate` says now replaces what it said before (roles may have changed).
      previous.authData = admission.data;
      this.#handOver();
      previous.attach(this.#connection, hello.resume, true);
      return;
    }
    // In a cluster, a client failing over keeps its session id: it proves the name is its own.
    const token = this.#context.cluster !== undefined && hello.session !== undefined && !sessions.has(hello.session) ? hello.session : randomToken();
    try {
      hub.checkAdmission(admission.name);
      // In a cluster the name must also be free on the other nodes (or held by this very session,
      // failing over from a node that died: its old session id proves it).
      if (this.#context.cluster !== undefined && !(await this.#context.cluster.claim(admission.name, token))) {
        throw new PieChatError('ERR_NAME_TAKEN', `The name ${quote(admission.name)} is taken`);
      }
    } catch (error) {
      if (!this.#done) this.#connection.fail(toPieChatError(error));
      return;
    }
    if (this.#done) {
      // Gone while the name was being claimed: it is given back.
      this.#context.cluster?.publish({ type: 'offline', node: this.#context.cluster.nodeId, user: admission.name, rooms: [], reason: 'disconnected' }).catch(this.#context.reportError);
      return;
    }
    this.#handOver();
    new BinarySession(this.#context, admission, this.#address, token).attach(this.#connection, hello.resume, false);
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

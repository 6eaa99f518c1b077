import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PieChatError } from '../errors.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';
import { encodeControl, encodePreamble } from '../protocol/encoder.js';
import { classifyOpening } from '../transport/opening.js';
import type { LeaveReason } from '../types.js';
import { Handshake } from './handshake.js';
import type { Closable, SessionContext } from './context.js';
import { LINE_NAME_TIMEOUT_FACTOR, LineSession, NAME_PROMPT } from './line-session.js';

const LINE_ONLY_NOTICE = 'This server speaks only the PieChat binary protocol.\r\n';

/**
 * Reads a new connection's first bytes and hands it to the right session: the PieChat preamble
 * makes a {@link Handshake}; anything else, or silence for `lineModeDelayMs`, a
 * {@link LineSession}. A binary client whose preamble arrived after the line prompt is still
 * recognised (it skips the prompt text).
 */
export function acceptSocket(context: SessionContext, socket: Socket, refusal?: PieChatError): void {
  new Opening(context, socket, refusal);
}

/** First byte of a TLS record carrying a handshake (a ClientHello). */
const TLS_HANDSHAKE_RECORD = 0x16;

/** A fatal TLS alert, `protocol_version`: what a plain server answers a TLS client with. */
const TLS_PROTOCOL_VERSION_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);

/** The short life of a connection before it is known to be binary or line mode. */
class Opening implements Closable {
  readonly #context: SessionContext;
  readonly #socket: Socket;
  readonly #address: string;
  /** Set when the connection is to be refused (too many from its address) once its kind is known. */
  readonly #refusal: PieChatError | undefined;
  /** A raw connection to a TLS server: it must start a TLS handshake (and is never prompted in the clear). */
  readonly #requiresTls: boolean;
  #received: Buffer = Buffer.alloc(0);
  #prompted = false;
  #timer: NodeJS.Timeout;
  /** When a line-mode user must have given a name: set when prompted. */
  #nameDeadline = 0;
  readonly #onData = (chunk: Buffer): void => this.#data(chunk);
  readonly #onClose = (): void => this.#end(undefined);

  constructor(context: SessionContext, socket: Socket, refusal: PieChatError | undefined) {
    this.#context = context;
    this.#socket = socket;
    // On a TLS server, a connection that does not open with a TLS handshake is refused.
    this.#requiresTls = context.startTls !== undefined && !(socket instanceof TLSSocket);
    this.#refusal = refusal ?? (this.#requiresTls ? new PieChatError('ERR_TLS', 'This server requires TLS') : undefined);
    this.#address = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', ignoreEarlyError);
    socket.on('close', this.#onClose);
    const { lineMode, lineModeDelayMs, handshakeTimeoutMs } = context.options;
    this.#timer = lineMode && !this.#requiresTls ? setTimeout(() => this.#prompt(), lineModeDelayMs) : setTimeout(() => this.#timeout(), handshakeTimeoutMs);
    context.track(this);
  }

  closeBy(_reason: LeaveReason, message: string): void {
    if (this.#prompted) this.#socket.write(`*** ${message}\r\n`);
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #prompt(): void {
    if (this.#refusal !== undefined) {
      this.#refuseLine(this.#refusal);
      return;
    }
    this.#prompted = true;
    this.#socket.write(NAME_PROMPT);
    const allowed = this.#context.options.handshakeTimeoutMs * LINE_NAME_TIMEOUT_FACTOR;
    this.#nameDeadline = Date.now() + allowed;
    this.#timer = setTimeout(() => this.#timeout(), allowed);
  }

  #data(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    if (this.#received[0] === TLS_HANDSHAKE_RECORD && !this.#prompted && !(this.#socket instanceof TLSSocket)) {
      const startTls = this.#context.startTls;
      if (startTls !== undefined && this.#requiresTls) {
        // The TLS server takes it from here, first bytes included; the decrypted stream comes back
        // (and is counted against its address's limit then).
        this.#end(undefined, true);
        this.#socket.pause();
        this.#socket.unshift(this.#received);
        startTls(this.#socket);
        return;
      }
      // A TLS client on a plain server (or refused anyway): told at once, in its own language.
      this.#socket.end(TLS_PROTOCOL_VERSION_ALERT);
      this.#end(this.#refusal ?? new PieChatError('ERR_TLS', 'A TLS client connected to this plain (non-TLS) server'));
      return;
    }
    const opening = classifyOpening(this.#received);
    if (opening.kind === 'undecided') return;
    if (opening.kind === 'binary') {
      this.#socket.write(encodePreamble(PROTOCOL_VERSION));
      if (this.#refusal !== undefined) {
        this.#socket.end(encodeControl({ t: 'err', code: this.#refusal.code, message: this.#refusal.message }));
        this.#end(this.#refusal);
        return;
      }
      if (opening.version !== PROTOCOL_VERSION) {
        const error = new PieChatError('ERR_PROTOCOL', `Unsupported protocol version ${opening.version}; this server speaks ${PROTOCOL_VERSION}`);
        this.#socket.end(encodeControl({ t: 'err', code: error.code, message: error.message }));
        this.#end(error);
        return;
      }
      this.#end(undefined, true);
      new Handshake(this.#context, this.#socket, this.#address, opening.rest);
      return;
    }
    if (!this.#context.options.lineMode) {
      this.#socket.end(LINE_ONLY_NOTICE);
      this.#end(new PieChatError('ERR_PROTOCOL', 'Not a PieChat client'));
      return;
    }
    if (this.#refusal !== undefined) {
      this.#refuseLine(this.#refusal);
      return;
    }
    this.#end(undefined, true);
    const deadline = this.#prompted ? this.#nameDeadline : Date.now() + this.#context.options.handshakeTimeoutMs * LINE_NAME_TIMEOUT_FACTOR;
    new LineSession(this.#context, this.#socket, this.#address, this.#prompted, deadline).receive(this.#received);
  }

  #refuseLine(refusal: PieChatError): void {
    this.#socket.end(`*** ${refusal.message}, bye.\r\n`);
    this.#end(refusal);
  }

  #timeout(): void {
    this.#socket.destroy();
    this.#end(new PieChatError('ERR_TIMEOUT', 'Handshake not completed in time'));
  }

  /** Detaches from the socket; reports the connection closed unless a session took it over. */
  #end(error: PieChatError | undefined, handedOver = false): void {
    clearTimeout(this.#timer);
    this.#socket.off('data', this.#onData);
    this.#socket.off('error', ignoreEarlyError);
    this.#socket.off('close', this.#onClose);
    if (handedOver) {
      this.#context.untrack(this);
      return;
    }
    const reason = error === undefined ? 'disconnected' : error.code === 'ERR_TIMEOUT' ? 'timeout' : 'error';
    this.#context.sessionClosed(this, undefined, this.#address, reason, error);
  }
}

function ignoreEarlyError(): void {
  // A connection that fails before its handshake was never admitted; its close ends it.
}

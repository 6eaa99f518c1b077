import type { Socket } from 'node:net';
import { HANDSHAKE_MAX_FRAME_BYTES } from '../defaults.js';
import { PieChatError, toPieChatError } from '../errors.js';
import type { DataFrame } from '../protocol/decoder.js';
import type { WireObject } from '../protocol/fields.js';
import type { ChatRequest, ClientRequest, TransferRequest } from '../protocol/messages.js';
import { isClientNotice, parseClientNotice, parseClientRequest, parseHello } from '../protocol/parse-client.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';
import { Connection, type ConnectionHandler } from '../transport/connection.js';
import type { LeaveReason } from '../types.js';
import { randomToken } from '../util/ids.js';
import { CHAT_REQUESTS, type RequestHandler } from './chat-requests.js';
import { leaveReasonFor, type SessionContext } from './context.js';
import type { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import type { Member } from './member.js';
import { SessionTransfers } from './session-transfers.js';

const TRANSFER_REQUESTS: ReadonlySet<string> = new Set<TransferRequest['t']>(['upload', 'end', 'download', 'files']);

function isTransferRequest(request: ClientRequest): request is TransferRequest {
  return TRANSFER_REQUESTS.has(request.t);
}

/**
 * A PieChat client on the server: performs the hello/welcome handshake, then answers requests
 * and forwards what the hub delivers. Refused requests get an `err` reply and the connection
 * stays; frames that break the protocol close it.
 */
export class BinarySession implements ConnectionHandler, Member {
  readonly mode = 'binary';
  readonly rooms = new Set<string>();
  readonly address: string;
  readonly connection: Connection;
  readonly #context: SessionContext;
  readonly #transfers: SessionTransfers;
  #name = '';
  #admitted = false;
  #handshakeTimer: NodeJS.Timeout | undefined;
  /** Why the server is closing this session, when it is the server's decision. */
  #closeReason: LeaveReason | undefined;
  connectedAt = 0;
  inboxSeq = 0;
  session = '';

  constructor(context: SessionContext, socket: Socket, address: string, initial: Buffer) {
    this.#context = context;
    this.address = address;
    this.connection = new Connection(
      socket,
      this,
      { maxFrameBytes: HANDSHAKE_MAX_FRAME_BYTES, maxOutputBytes: context.options.maxOutputBufferBytes },
      initial,
    );
    this.#transfers = new SessionTransfers(context, this, this.connection);
    this.#handshakeTimer = setTimeout(handshakeTimedOut, context.options.handshakeTimeoutMs, this).unref();
    context.track(this);
  }

  /** The user's name (empty until the hello). */
  get name(): string {
    return this.#name;
  }

  /** Closes the session on the server's initiative, telling the client why. */
  closeBy(reason: LeaveReason, message: string, retryAfterMs?: number): void {
    this.#closeReason = reason;
    const bye: Record<string, unknown> = { t: 'bye', reason, message };
    if (retryAfterMs !== undefined) bye.retryAfterMs = retryAfterMs;
    this.connection.close(undefined, bye);
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.connection.destroy();
  }

  onControl(object: WireObject): void {
    if (!this.#admitted) {
      this.#hello(object);
      return;
    }
    if (isClientNotice(object)) {
      this.#transfers.notice(parseClientNotice(object));
      return;
    }
    const request = parseClientRequest(object);
    if (isTransferRequest(request)) {
      // File requests wait on storage; their answer comes when it is done.
      this.#transfers.handle(request).then(
        (result) => this.#reply(request.r, result),
        (error: unknown) => this.#refuse(request.r, error),
      );
      return;
    }
    const handler = CHAT_REQUESTS[request.t] as RequestHandler<ChatRequest>;
    let result: object;
    try {
      result = handler(this.#context.hub, this, request);
    } catch (error) {
      this.#refuse(request.r, error);
      return;
    }
    this.#reply(request.r, result);
  }

  onData(frame: DataFrame): void {
    if (!this.#admitted) throw new PieChatError('ERR_PROTOCOL', 'Data frame before the hello');
    this.#transfers.data(frame);
  }

  onDrain(): void {}

  onClose(error: PieChatError | undefined): void {
    clearTimeout(this.#handshakeTimer);
    this.#context.heartbeat.delete(this.connection);
    this.#context.settling(this.#transfers.close(error ?? new PieChatError('ERR_CLOSED', 'The connection closed')));
    const reason = this.#closeReason ?? leaveReasonFor(error);
    if (this.#admitted) this.#context.hub.remove(this, reason);
    this.#context.sessionClosed(this, this.#admitted ? this : undefined, this.address, reason, error);
  }

  deliverMessage(delivery: MessageDelivery): void {
    this.connection.write(delivery.frame);
  }

  deliverFile(delivery: FileDelivery): void {
    this.connection.write(delivery.frame);
  }

  deliverJoin(delivery: JoinDelivery): void {
    this.connection.write(delivery.frame);
  }

  deliverLeave(delivery: LeaveDelivery): void {
    this.connection.write(delivery.frame);
  }

  deliverOffline(): void {
    // Binary clients learn of a departure from the per-room leave events.
  }

  #reply(r: number, result: object): void {
    this.connection.send({ t: 'ok', r, ...result });
  }

  #refuse(r: number, error: unknown): void {
    const failure = toPieChatError(error);
    if (failure.code === 'ERR_PROTOCOL') {
      this.connection.fail(failure);
      return;
    }
    this.connection.send({ t: 'err', r, code: failure.code, message: failure.message });
  }

  #hello(object: WireObject): void {
    const hello = parseHello(object);
    const hub = this.#context.hub;
    try {
      hub.checkAdmission(hello.name);
    } catch (error) {
      this.connection.fail(toPieChatError(error));
      return;
    }
    this.#name = hello.name;
    this.connectedAt = Date.now();
    clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
    this.session = randomToken();
    this.connection.maxFrameBytes = this.#context.limits.maxFrameBytes;
    // The welcome goes first: whatever admission triggers (a `join` listener that broadcasts or
    // kicks) reaches this client after it knows it is connected.
    this.connection.send({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      session: this.session,
      name: this.#name,
      server: this.#context.options.name,
      rooms: this.#context.options.rooms,
      limits: this.#context.limits,
    });
    this.#admitted = true;
    hub.admit(this); // cannot fail: checked above, synchronously
    this.#context.heartbeat.add(this.connection);
    // Order of events: connect, then the joins of the default rooms.
    this.#context.sessionOpened(this);
    if (this.connection.open) hub.joinDefaultRooms(this);
  }
}

function handshakeTimedOut(session: BinarySession): void {
  session.connection.fail(new PieChatError('ERR_TIMEOUT', 'Handshake not completed in time'));
}

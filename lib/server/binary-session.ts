import { PieChatError, toPieChatError } from '../errors.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';
import type { DataFrame } from '../protocol/decoder.js';
import { encodeControl } from '../protocol/encoder.js';
import type { WireObject } from '../protocol/fields.js';
import type { ChatRequest, ClientRequest, ResumePoint, TransferRequest } from '../protocol/messages.js';
import { isClientNotice, parseClientNotice, parseClientRequest } from '../protocol/parse-client.js';
import type { Connection, ConnectionHandler } from '../transport/connection.js';
import type { LeaveReason } from '../types.js';
import { randomToken } from '../util/ids.js';
import type { Admission } from './authentication.js';
import { CHAT_REQUESTS, type RequestHandler } from './chat-requests.js';
import { inboxKey } from './hub.js';
import type { Replay } from './replay.js';
import { leaveReasonFor, type Closable, type SessionContext } from './context.js';
import type { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import type { Member } from './member.js';
import { SessionTransfers } from './session-transfers.js';

const TRANSFER_REQUESTS: ReadonlySet<string> = new Set<TransferRequest['t']>(['upload', 'end', 'download', 'files']);

function isTransferRequest(request: ClientRequest): request is TransferRequest {
  return TRANSFER_REQUESTS.has(request.t);
}

/** Closes that end a session at once; any other lost connection leaves it resumable for a while. */
const FINAL_CODES: ReadonlySet<string> = new Set(['ERR_PROTOCOL', 'ERR_FRAME_TOO_LARGE', 'ERR_SLOW_CONSUMER']);

/** What a connection that was replaced reports to: nothing. */
const RETIRED: ConnectionHandler = { onControl() {}, onData() {}, onDrain() {}, onClose() {} };

/**
 * A PieChat user on the server. It outlives its connections: when one is lost (not closed), the
 * user stays in its rooms with its name reserved for `resumeGraceMs`, and a client that
 * reconnects with the session id takes the session over, is replayed what it missed, and goes on
 * without anyone seeing it leave. A closed connection (the client's `bye`), or one the server
 * ended, removes the user at once.
 */
export class BinarySession implements ConnectionHandler, Member, Closable {
  readonly mode = 'binary';
  readonly rooms = new Set<string>();
  readonly name: string;
  readonly address: string;
  readonly connectedAt = Date.now();
  /** The session id clients present to resume. */
  readonly token: string;
  readonly #context: SessionContext;
  #connection: Connection | undefined;
  #transfers: SessionTransfers | undefined;
  /** Frames for this user held until its welcome is sent. */
  #held: Buffer[] | undefined;
  #grace: NodeJS.Timeout | undefined;
  /** Why the session ends, once that is decided (the server's decision, or the client's bye). */
  #ending: LeaveReason | undefined;
  #removed = false;

  authData: Readonly<Record<string, unknown>> | undefined;

  /** A session for the user `admission` names (with what `authenticate` attached). */
  constructor(context: SessionContext, admission: Admission, address: string, token: string = randomToken()) {
    this.#context = context;
    this.token = token;
    this.name = admission.name;
    this.authData = admission.data;
    this.address = address;
    context.sessions.set(this.token, this);
    context.track(this);
  }

  /** Whether a connection is attached. */
  get attached(): boolean {
    return this.#connection !== undefined;
  }

  /**
   * Takes `connection` (after its hello): a new session is admitted and joins its rooms; a resumed
   * one replaces its previous connection. Either way the client gets its welcome, then what it
   * missed since `resume`, then everything else.
   */
  attach(connection: Connection, resume: ResumePoint | undefined, resumed: boolean): void {
    const { hub, options, limits } = this.#context;
    if (this.#connection !== undefined) this.#retire(this.#connection, new PieChatError('ERR_CLOSED', 'Replaced by a new connection'), true);
    clearTimeout(this.#grace);
    this.#grace = undefined;
    this.#connection = connection;
    connection.handler = this;
    connection.maxFrameBytes = limits.maxFrameBytes;
    connection.frameTimeoutMs = options.frameTimeoutMs;
    this.#transfers = new SessionTransfers(this.#context, this, connection);
    this.#held = [];
    if (hub.clustered) void this.#welcomeShared(connection, resume, resumed);
    else this.#welcome(connection, resume, resumed, this.#startingPoints(resume, resumed, (key) => hub.lastSeq(key)));
  }

  /** Where the rooms (and the inbox) start for a client that did not name them: the last `seq` of each, by `lastSeq`. */
  #startingPoints<T>(resume: ResumePoint | undefined, resumed: boolean, lastSeq: (key: string) => T): { seqs: Record<string, T>; inbox: T | undefined } {
    const seqs: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const room of resumed ? this.rooms : this.#context.options.rooms) {
      if (resume?.rooms[room] === undefined) seqs[room] = lastSeq(room);
    }
    return { seqs, inbox: resumed ? undefined : lastSeq(inboxKey(this.name)) };
  }

  /** {@link attach} in a cluster: starting points and the replay come from the shared history. */
  async #welcomeShared(connection: Connection, resume: ResumePoint | undefined, resumed: boolean): Promise<void> {
    const { hub } = this.#context;
    try {
      const pending = this.#startingPoints(resume, resumed, (key) => hub.lastSeqShared(key));
      const seqs: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const [room, seq] of Object.entries(pending.seqs)) seqs[room] = await seq;
      const inbox = await pending.inbox;
      if (this.#connection !== connection) return;
      this.#welcome(connection, resume, resumed, { seqs, inbox }, true);
    } catch (error) {
      connection.fail(toPieChatError(error));
    }
  }

  /**
   * Admits a new session (joining its default rooms), puts a resuming one back in its rooms, and
   * sends the welcome, what the client missed, then what was held meanwhile.
   */
  #welcome(connection: Connection, resume: ResumePoint | undefined, resumed: boolean, start: { seqs: Record<string, number>; inbox: number | undefined }, shared = false): void {
    const { hub, options } = this.#context;
    if (!resumed) {
      hub.admit(this);
      this.#context.sessionOpened(this);
      hub.joinDefaultRooms(this);
    }
    // The replay must fit in the output buffer with room to spare, or the client would be cut off
    // as a slow consumer at every attempt; what does not fit is reported as a gap.
    const budget = options.maxOutputBufferBytes / 2;
    if (resume !== undefined && shared) {
      hub.resumeShared(this, resume, resumed, budget).then(
        (replay) => this.#sendWelcome(connection, resumed, start, replay),
        (error: unknown) => connection.fail(toPieChatError(error)),
      );
      return;
    }
    this.#sendWelcome(connection, resumed, start, resume === undefined ? { gaps: [], messages: [] } : hub.resume(this, resume, resumed, budget));
  }

  #sendWelcome(connection: Connection, resumed: boolean, start: { seqs: Record<string, number>; inbox: number | undefined }, replay: Replay): void {
    if (this.#connection !== connection) return;
    const { hub, options, limits } = this.#context;
    const held = this.#held ?? [];
    this.#held = undefined;
    connection.send({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      session: this.token,
      name: this.name,
      server: options.name,
      rooms: [...this.rooms],
      limits,
      resumed,
      gaps: replay.gaps,
      seqs: start.seqs,
      ...(start.inbox === undefined ? {} : { inbox: start.inbox }),
      epoch: hub.epoch,
    });
    for (const message of replay.messages) connection.write(encodeControl({ t: 'msg', ...message }));
    for (const frame of held) connection.write(frame);
    this.#context.heartbeat.add(connection);
    if (resumed) this.#context.sessionResumed(this);
  }

  /** Ends the session on the server's initiative, telling the client why (if it is connected). */
  closeBy(reason: LeaveReason, message: string, retryAfterMs?: number): void {
    this.#ending ??= reason;
    if (this.#connection === undefined) {
      this.#remove(reason, undefined);
      return;
    }
    const bye: Record<string, unknown> = { t: 'bye', reason, message };
    if (retryAfterMs !== undefined) bye.retryAfterMs = retryAfterMs;
    this.#connection.close(undefined, bye);
  }

  /** Drops the connection at once; the session ends. */
  destroy(): void {
    this.#ending ??= 'disconnected';
    if (this.#connection === undefined) this.#remove(this.#ending, undefined);
    else this.#connection.destroy();
  }

  onControl(object: WireObject): void {
    const transfers = this.#transfers!;
    if (isClientNotice(object)) {
      const notice = parseClientNotice(object);
      if (notice.t === 'bye') this.#ending ??= 'disconnected';
      else transfers.notice(notice);
      return;
    }
    const request = parseClientRequest(object);
    if (isTransferRequest(request)) {
      // File requests wait on storage; their answer comes when it is done.
      const connection = this.#connection!;
      transfers.handle(request).then(
        (result) => connection.send({ t: 'ok', r: request.r, ...result }),
        (error: unknown) => this.#refuse(connection, request.r, error),
      );
      return;
    }
    const handler = CHAT_REQUESTS[request.t] as RequestHandler<ChatRequest>;
    const connection = this.#connection!;
    let result: object;
    try {
      result = handler(this.#context.hub, this, request);
    } catch (error) {
      this.#refuse(connection, request.r, error);
      return;
    }
    if (result instanceof Promise) {
      // In a cluster: answered when the cluster has numbered (or looked up) what it needs.
      (result as Promise<object>).then(
        (fields) => connection.send({ t: 'ok', r: request.r, ...fields }),
        (error: unknown) => this.#refuse(connection, request.r, error),
      );
      return;
    }
    connection.send({ t: 'ok', r: request.r, ...result });
  }

  onData(frame: DataFrame): void {
    this.#transfers!.data(frame);
  }

  onDrain(): void {}

  onClose(error: PieChatError | undefined): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    const reason = this.#ending ?? leaveReasonFor(error);
    const final = this.#ending !== undefined || (error !== undefined && FINAL_CODES.has(error.code)) || this.#context.options.resumeGraceMs === 0;
    this.#retire(connection, error ?? new PieChatError('ERR_CLOSED', 'The connection closed'), !final);
    this.#connection = undefined;
    if (final) {
      this.#remove(reason, error);
      return;
    }
    // Lost, not closed: the user stays, its name reserved, for the client to come back.
    this.#grace = setTimeout(() => this.#remove(reason, error), this.#context.options.resumeGraceMs);
    this.#grace.unref();
    this.#context.sessionSuspended(this, reason, error);
  }

  deliverMessage(delivery: MessageDelivery): void {
    this.#write(delivery.frame);
  }

  deliverFile(delivery: FileDelivery): void {
    this.#write(delivery.frame);
  }

  deliverJoin(delivery: JoinDelivery): void {
    this.#write(delivery.frame);
  }

  deliverLeave(delivery: LeaveDelivery): void {
    this.#write(delivery.frame);
  }

  deliverOffline(): void {
    // Binary clients learn of a departure from the per-room leave events.
  }

  /** Writes to the client, holds the frame until the welcome is sent, or drops it while the client is away (it will be replayed). */
  #write(frame: Buffer): void {
    if (this.#held !== undefined) this.#held.push(frame);
    else this.#connection?.write(frame);
  }

  /** Lets go of a connection: its transfers end (uploads kept if the session may be resumed), its heartbeat stops. */
  #retire(connection: Connection, error: PieChatError, resumable: boolean): void {
    this.#context.heartbeat.delete(connection);
    this.#context.settling(this.#transfers?.close(error, resumable) ?? Promise.resolve());
    this.#transfers = undefined;
    if (connection !== this.#connection) return;
    if (connection.open) {
      connection.handler = RETIRED;
      connection.destroy();
    }
  }

  #refuse(connection: Connection, r: number, error: unknown): void {
    const failure = toPieChatError(error);
    if (failure.code === 'ERR_PROTOCOL') connection.fail(failure);
    else connection.send({ t: 'err', r, code: failure.code, message: failure.message });
  }

  #remove(reason: LeaveReason, error: PieChatError | undefined): void {
    if (this.#removed) return;
    this.#removed = true;
    clearTimeout(this.#grace);
    this.#context.sessions.delete(this.token);
    this.#context.hub.remove(this, reason);
    this.#context.sessionClosed(this, this, this.address, reason, error);
  }
}

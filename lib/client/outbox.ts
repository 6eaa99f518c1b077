import { randomBytes } from 'node:crypto';
import { PieChatError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import type { ChatMessage } from '../types.js';
import type { RequestTracker } from './requests.js';
import { parseSendResult, type MessageDraft } from './results.js';

/** One message on its way: sent and waiting for its acknowledgement, or queued. */
interface Entry {
  cid: string;
  text: string;
  target: { room: string } | { to: string };
  draft: MessageDraft;
  bytes: number;
  resolve: (message: ChatMessage) => void;
  reject: (error: PieChatError) => void;
  /** The request number while sent on the current connection. */
  r: number | undefined;
}

/** A queue being sent at the server's rate: the timer of its next slice. */
interface Pacing {
  timer: NodeJS.Timeout | undefined;
}

/** Limits of the queue kept while reconnecting. */
export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
}

/**
 * The client's messages until the server acknowledged them. Each carries a client-side id, so that
 * when a connection is lost the messages not yet acknowledged can be sent again after the
 * reconnection: the server answers a retransmit it already accepted with the first answer, and
 * delivers nothing twice. While the client is reconnecting, new messages wait here too, in order,
 * up to a number and a size.
 */
export class Outbox {
  readonly #entries: Entry[] = [];
  readonly #limits: OutboxLimits;
  readonly #tracker: RequestTracker;
  readonly #acknowledged: (message: ChatMessage) => void;
  readonly #prefix = randomBytes(6).toString('base64url');
  #nextCid = 0;
  #queuedBytes = 0;
  #idle: Array<() => void> = [];
  /** While a flushed queue goes out at the server's rate. */
  #pacing: Pacing | undefined;

  constructor(limits: OutboxLimits, tracker: RequestTracker, acknowledged: (message: ChatMessage) => void) {
    this.#limits = limits;
    this.#tracker = tracker;
    this.#acknowledged = acknowledged;
  }

  /**
   * Sends a message on `connection`, or, without one (reconnecting), queues it. Rejects with
   * `ERR_QUEUE_FULL` when the queue is at its limit.
   */
  push(text: string, target: Entry['target'], draft: MessageDraft, connection: Connection | undefined): Promise<ChatMessage> {
    const bytes = Buffer.byteLength(text);
    if (connection === undefined) {
      const queued = this.#entries.length;
      if (queued >= this.#limits.maxMessages || this.#queuedBytes + bytes > this.#limits.maxBytes) {
        return Promise.reject(
          new PieChatError('ERR_QUEUE_FULL', `The queue of messages waiting for the reconnection is full (${this.#limits.maxMessages} messages, ${this.#limits.maxBytes} bytes)`),
        );
      }
    }
    return new Promise<ChatMessage>((resolve, reject) => {
      const entry: Entry = { cid: `${this.#prefix}${(++this.#nextCid).toString(36)}`, text, target, draft, bytes, resolve, reject, r: undefined };
      this.#entries.push(entry);
      // Behind a queue still being paced out, a new message waits its turn (order is kept).
      if (connection === undefined || this.#pacing !== undefined) this.#queuedBytes += bytes;
      else this.#send(entry, connection);
    });
  }

  /** The connection is gone: messages sent and not acknowledged will be sent again. */
  suspend(): void {
    this.#stopPacing();
    for (const entry of this.#entries) {
      if (entry.r === undefined) continue;
      this.#tracker.forget(entry.r);
      entry.r = undefined;
      this.#queuedBytes += entry.bytes;
    }
  }

  /**
   * A connection is back: sends every message waiting, in their order, within the server's rate
   * limit (`perSecond` on average after a burst of `burst`; 0: no limit), so that a long queue is
   * not refused with `ERR_RATE_LIMITED`. Half the burst is left to the app meanwhile.
   */
  flush(connection: Connection, perSecond = 0, burst = 0): void {
    this.#stopPacing();
    const slice = Math.max(1, Math.floor(burst / 2));
    let allowance = perSecond === 0 ? Number.POSITIVE_INFINITY : slice;
    for (const entry of this.#entries) {
      if (entry.r !== undefined) continue;
      if (allowance-- <= 0) {
        // The next slice once the server's bucket has refilled by as much.
        const pacing: Pacing = { timer: undefined };
        this.#pacing = pacing;
        pacing.timer = setTimeout(() => {
          if (this.#pacing !== pacing) return;
          this.#pacing = undefined;
          this.flush(connection, perSecond, burst);
        }, Math.ceil((slice * 1000) / perSecond));
        return;
      }
      this.#queuedBytes -= entry.bytes;
      this.#send(entry, connection);
    }
  }

  #stopPacing(): void {
    clearTimeout(this.#pacing?.timer);
    this.#pacing = undefined;
  }

  /** Rejects every message waiting with `error`. */
  failAll(error: PieChatError): void {
    this.#stopPacing();
    const entries = this.#entries.splice(0);
    this.#queuedBytes = 0;
    for (const entry of entries) {
      if (entry.r !== undefined) this.#tracker.forget(entry.r);
      entry.reject(error);
    }
    this.#notifyIdle();
  }

  /** Resolves once no message is waiting for an acknowledgement. */
  idle(): Promise<void> {
    if (this.#entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #send(entry: Entry, connection: Connection): void {
    const r = this.#tracker.nextId();
    entry.r = r;
    connection.send({ t: 'send', r, cid: entry.cid, text: entry.text, ...entry.target });
    this.#tracker.wait(r, parseSendResult, entry.draft).then(
      (message) => {
        this.#remove(entry);
        this.#acknowledged(message);
        entry.resolve(message);
      },
      (error: PieChatError) => {
        if (entry.r !== r) return;
        this.#remove(entry);
        entry.reject(error);
      },
    );
  }

  #remove(entry: Entry): void {
    const index = this.#entries.indexOf(entry);
    if (index !== -1) this.#entries.splice(index, 1);
    if (this.#entries.length === 0) this.#notifyIdle();
  }

  #notifyIdle(): void {
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

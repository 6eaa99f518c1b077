import { DEDUPLICATION_MEMORY } from '../defaults.js';
import { PieChatError } from '../errors.js';
import type { ChatMessage } from '../types.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { Member } from './member.js';

/** What the sender of a message learns when it is accepted: the stamps the server gave it. */
export interface MessageReceipt {
  /** The message's id. */
  id: string;
  /** Its number in its room or inbox. */
  seq: number;
  /** When the server accepted it (ms since the epoch). */
  at: number;
  /** The recipient's name as the server knows it, for a private message. */
  to?: string;
}

/**
 * What the server keeps about each session's sending: its message allowance (the rate limit) and
 * the receipts of its recent messages by client-side id, to answer a retransmit with the first
 * answer. Both go with the session (weakly held).
 */
export class SenderLedger {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #buckets = new WeakMap<Member, TokenBucket>();
  readonly #receipts = new WeakMap<Member, Map<string, MessageReceipt>>();

  /** `perSecond` messages per session on average (0: no limit), in bursts of up to `burst`. */
  constructor(perSecond: number, burst: number) {
    this.#perSecond = perSecond;
    this.#burst = burst;
  }

  /** Takes one message from `member`'s allowance; throws `ERR_RATE_LIMITED` when it is spent. */
  spend(member: Member): void {
    if (this.#perSecond === 0) return;
    let bucket = this.#buckets.get(member);
    if (bucket === undefined) this.#buckets.set(member, (bucket = new TokenBucket(this.#perSecond, this.#burst)));
    if (!bucket.take()) {
      throw new PieChatError('ERR_RATE_LIMITED', `Too many messages: at most ${this.#perSecond} per second (bursts of ${this.#burst}); try again in ${bucket.msUntil(1)} ms`);
    }
  }

  /** The receipt of the message already accepted from `member` under `cid`, if any. */
  retransmit(member: Member, cid: string | undefined): MessageReceipt | undefined {
    return cid === undefined ? undefined : this.#receipts.get(member)?.get(cid);
  }

  /**
   * Remembers the receipt of an accepted message by its client-side id, and returns it (not the
   * text: a bounded memory of small records, oldest forgotten first).
   */
  remember(member: Member, cid: string | undefined, message: ChatMessage): MessageReceipt {
    const receipt: MessageReceipt = { id: message.id, seq: message.seq, at: message.at };
    if (message.to !== undefined) receipt.to = message.to;
    if (cid === undefined) return receipt;
    let receipts = this.#receipts.get(member);
    if (receipts === undefined) this.#receipts.set(member, (receipts = new Map()));
    receipts.set(cid, receipt);
    if (receipts.size > DEDUPLICATION_MEMORY) receipts.delete(receipts.keys().next().value!);
    return receipt;
  }
}

import type { HistoryGap, ResumePoint, WelcomeMessage } from '../protocol/messages.js';
import type { ChatMessage } from '../types.js';

/**
 * What a client follows and has seen: the rooms it is in, the last `seq` per room and in its
 * private inbox. It makes the resume point presented after a reconnect, and drops messages a
 * replay delivers twice, so the app sees each message once.
 */
export class Timeline {
  readonly #joined = new Set<string>();
  readonly #seqs = new Map<string, number>();
  #inbox: number | undefined;
  /** The server history's numbering the `seq`s belong to. */
  #epoch: string | undefined;

  /** The rooms the client is in. */
  get joined(): string[] {
    return [...this.#joined];
  }

  /** Whether the client is in `room`. */
  has(room: string): boolean {
    return this.#joined.has(room);
  }

  /** The client joined `room`, whose last message was `seq` then. */
  join(room: string, seq: number): void {
    this.#joined.add(room);
    this.#start(room, seq);
  }

  /** The client left `room`. */
  leave(room: string): void {
    this.#joined.delete(room);
    this.#seqs.delete(room);
  }

  /**
   * A (re)connection's welcome: the rooms the server has the client in, where new rooms start,
   * and the gaps a resume could not fill (a gap whose numbering was reset moves to the new one).
   */
  welcome(welcome: WelcomeMessage): void {
    this.#joined.clear();
    for (const room of welcome.rooms) this.#joined.add(room);
    for (const gap of welcome.gaps) this.#applyGap(gap);
    for (const [room, seq] of Object.entries(welcome.seqs)) this.#start(room, seq);
    // A new session's inbox starts afresh: the previous session's private messages are not replayed to it.
    if (welcome.inbox !== undefined) this.#inbox = welcome.inbox;
    this.#epoch = welcome.epoch;
  }

  /** Records a received message; false if it was already seen (a replayed duplicate). */
  accept(message: ChatMessage): boolean {
    if (message.room === undefined) {
      if (this.#inbox !== undefined && message.seq <= this.#inbox) return false;
      this.#inbox = message.seq;
      return true;
    }
    const last = this.#seqs.get(message.room);
    if (last !== undefined && message.seq <= last) return false;
    this.#seqs.set(message.room, message.seq);
    return true;
  }

  /** Records the client's own room message, as acknowledged: a resume will not replay it. */
  acknowledge(message: ChatMessage): void {
    if (message.room === undefined) return;
    const last = this.#seqs.get(message.room) ?? 0;
    if (message.seq > last) this.#seqs.set(message.room, message.seq);
  }

  /** Where the client left off in the rooms it is in, and in its inbox. */
  resumePoint(): ResumePoint {
    const point: ResumePoint = { rooms: {} };
    for (const room of this.#joined) {
      const seq = this.#seqs.get(room);
      if (seq !== undefined) point.rooms[room] = seq;
    }
    if (this.#inbox !== undefined) point.inbox = this.#inbox;
    if (this.#epoch !== undefined) point.epoch = this.#epoch;
    return point;
  }

  /** Sets where a room starts, unless the client already follows it. */
  #start(room: string, seq: number): void {
    if (!this.#seqs.has(room)) this.#seqs.set(room, seq);
  }

  #applyGap(gap: HistoryGap): void {
    if (gap.reset !== true) return;
    if (gap.room === undefined) this.#inbox = gap.next - 1;
    else this.#seqs.set(gap.room, gap.next - 1);
  }
}

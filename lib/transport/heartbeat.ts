/** What the {@link HeartbeatMonitor} needs of a connection. */
export interface Beating {
  /** Set by the connection whenever bytes arrive. */
  heard: boolean;
  /** Consecutive intervals with nothing heard. */
  silentBeats: number;
  /** Sends a ping. */
  ping(): void;
  /** Called at every beat with the interval, before the silence check. */
  tick?(elapsedMs: number): void;
}

/**
 * One timer for all the connections of a server or client. At each beat, a connection that
 * was heard from is reset; one that was silent for an interval is pinged; one silent for two
 * intervals is reported dead. Nothing is done per frame beyond setting a flag.
 */
export class HeartbeatMonitor<T extends Beating> {
  readonly #members = new Set<T>();
  readonly #onDead: (member: T) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, onDead: (member: T) => void) {
    this.#intervalMs = intervalMs;
    this.#onDead = onDead;
  }

  /** Starts watching `member`. */
  add(member: T): void {
    member.heard = true;
    member.silentBeats = 0;
    this.#members.add(member);
    if (this.#timer === undefined && this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.beat(), this.#intervalMs).unref();
    }
  }

  /** Stops watching `member`. */
  delete(member: T): void {
    this.#members.delete(member);
    if (this.#members.size === 0) this.stop();
  }

  /** Stops the timer (it restarts with the next {@link add}). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One beat; public so that tests can drive it without waiting. */
  beat(): void {
    for (const member of this.#members) {
      member.tick?.(this.#intervalMs);
      if (!this.#members.has(member)) continue;
      if (member.heard) {
        member.heard = false;
        member.silentBeats = 0;
      } else if (++member.silentBeats >= 2) {
        this.#members.delete(member);
        this.#onDead(member);
      } else {
        member.ping();
      }
    }
    if (this.#members.size === 0) this.stop();
  }
}

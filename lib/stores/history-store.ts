import type { ChatMessage } from '../types.js';

/** What a history holds after a sequence number. */
export interface HistoryRange {
  /** The messages after it, oldest first. */
  messages: ChatMessage[];
  /**
   * Set when messages after it may be missing: the history starts at `next` (older ones expired),
   * or, with `reset`, the numbering restarted (the history was lost).
   */
  gap?: {
    /** The first `seq` still held (or, with `reset`, the next one to be assigned). */
    next: number;
    /** Set when the numbering restarted. */
    reset?: true;
  };
}

/**
 * Recent messages per room (and per private inbox), for clients that reconnect: they say the last
 * `seq` they saw, the server replays what came after. Keys are room names, or `@` + a user's
 * lower-cased name for a private inbox. A store also keeps each key's last `seq`, so numbering
 * continues when a room empties and fills again.
 *
 * {@link MemoryHistoryStore} is the default.
 */
export interface HistoryStore {
  /**
   * Names this numbering: it must change whenever the history is lost (a store in memory draws a
   * new one at each start), so that a client resuming with `seq`s of another numbering is told
   * of the gap instead of skipping messages it has not seen.
   */
  readonly epoch: string;
  /** Records a message (its `seq` is the key's next). */
  append(key: string, message: ChatMessage): void;
  /** The messages of `key` after `seq`, or what is left of them. */
  since(key: string, seq: number): HistoryRange;
  /** The last `seq` recorded for `key` (0 for a key never seen). */
  lastSeq(key: string): number;
}

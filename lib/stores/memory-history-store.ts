import { DEFAULT_HISTORY_MAX_AGE_MS, DEFAULT_HISTORY_MAX_KEYS, DEFAULT_HISTORY_MAX_MESSAGES } from '../defaults.js';
import type { ChatMessage } from '../types.js';
import { randomToken } from '../util/ids.js';
import type { HistoryRange, HistoryStore } from './history-store.js';

/** Options of a {@link MemoryHistoryStore}. */
export interface MemoryHistoryStoreOptions {
  /**
   * Most messages kept per room (or inbox); older ones are dropped first.
   * @default 1000
   */
  maxMessages?: number;
  /**
   * Messages older than this are dropped (ms).
   * @default 3600000 (one hour)
   */
  maxAgeMs?: number;
  /**
   * Most rooms and inboxes tracked; the least recently used is forgotten beyond it (its numbering
   * then restarts, and a client that resumes there is told: a gap with `reset`).
   * @default 100000
   */
  maxKeys?: number;
}

interface Timeline {
  lastSeq: number;
  messages: ChatMessage[];
  /** Index of the oldest kept message in `messages` (dropping from the front is amortised). */
  start: number;
}

/**
 * The default {@link HistoryStore}: in memory, bounded by count and age per room, and by the
 * number of rooms. It does not survive a restart: clients that resume afterwards are told of the
 * gap.
 */
export class MemoryHistoryStore implements HistoryStore {
  /** Drawn at construction: this history does not outlive the process. */
  readonly epoch = randomToken();
  readonly #maxMessages: number;
  readonly #maxAgeMs: number;
  readonly #maxKeys: number;
  readonly #timelines = new Map<string, Timeline>();

  constructor(options: MemoryHistoryStoreOptions = {}) {
    this.#maxMessages = options.maxMessages ?? DEFAULT_HISTORY_MAX_MESSAGES;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS;
    this.#maxKeys = options.maxKeys ?? DEFAULT_HISTORY_MAX_KEYS;
    for (const [name, value] of Object.entries({ maxMessages: this.#maxMessages, maxAgeMs: this.#maxAgeMs, maxKeys: this.#maxKeys })) {
      if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got \`${String(value)}\``);
    }
  }

  append(key: string, message: ChatMessage): void {
    let timeline = this.#timelines.get(key);
    if (timeline === undefined) {
      timeline = { lastSeq: 0, messages: [], start: 0 };
      if (this.#timelines.size >= this.#maxKeys) {
        const oldest = this.#timelines.keys().next().value;
        if (oldest !== undefined) this.#timelines.delete(oldest);
      }
    } else {
      // Most recently used last: the first key is the one to forget.
      this.#timelines.delete(key);
    }
    this.#timelines.set(key, timeline);
    timeline.lastSeq = message.seq;
    if (this.#maxMessages === 0) return;
    timeline.messages.push(message);
    if (timeline.messages.length - timeline.start > this.#maxMessages) timeline.start++;
    this.#compact(timeline);
  }

  since(key: string, seq: number): HistoryRange {
    const timeline = this.#timelines.get(key);
    if (timeline === undefined) return seq > 0 ? { messages: [], gap: { next: 1, reset: true } } : { messages: [] };
    this.#expire(timeline);
    if (seq > timeline.lastSeq) {
      return { messages: timeline.messages.slice(timeline.start), gap: { next: timeline.messages[timeline.start]?.seq ?? timeline.lastSeq + 1, reset: true } };
    }
    const kept = timeline.messages.slice(timeline.start);
    const first = kept[0]?.seq ?? timeline.lastSeq + 1;
    const messages = kept.filter((message) => message.seq > seq);
    return first > seq + 1 ? { messages, gap: { next: first } } : { messages };
  }

  lastSeq(key: string): number {
    return this.#timelines.get(key)?.lastSeq ?? 0;
  }

  /** Drops messages past their age. */
  #expire(timeline: Timeline): void {
    const oldest = Date.now() - this.#maxAgeMs;
    while (timeline.start < timeline.messages.length && timeline.messages[timeline.start]!.at < oldest) timeline.start++;
    this.#compact(timeline);
  }

  /** Reclaims the dropped front of the array once it is half of it. */
  #compact(timeline: Timeline): void {
    if (timeline.start > 64 && timeline.start * 2 > timeline.messages.length) {
      timeline.messages = timeline.messages.slice(timeline.start);
      timeline.start = 0;
    }
  }
}

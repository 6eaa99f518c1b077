import type { HistoryGap } from '../protocol/messages.js';
import type { HistoryRange } from '../stores/history-store.js';
import type { ChatMessage } from '../types.js';

/** What a resuming client is sent after its welcome: the gaps, then the messages it missed. */
export interface Replay {
  gaps: HistoryGap[];
  messages: ChatMessage[];
}

/** Where a resuming client left off in one room (or, without `room`, its inbox). */
export interface ReplayRange {
  room: string | undefined;
  /** The last `seq` the client saw. */
  seq: number;
}

/** Bytes a replayed message takes in the output buffer, about: its text and its fields. */
function replayCost(message: ChatMessage): number {
  return Buffer.byteLength(message.text) + 256;
}

/**
 * Adds to `replay` what the client missed in one room from `range` (the history after its `seq`,
 * or, for another numbering, all of it), within `budgetBytes`: the newest messages that fit; what
 * the history lost or what did not fit is reported as a gap (with `reset` for another numbering).
 */
export function collectRange(replay: Replay, { room, seq }: ReplayRange, range: HistoryRange, lastSeq: number, sameNumbering: boolean, budgetBytes: number): void {
  let gap: HistoryGap | undefined;
  if (!sameNumbering) {
    if (seq > 0) gap = { after: seq, next: range.messages[0]?.seq ?? lastSeq + 1, reset: true };
  } else if (range.gap !== undefined) {
    gap = { after: seq, next: range.gap.next };
    if (range.gap.reset === true) gap.reset = true;
  }
  let first = range.messages.length;
  for (let spent = 0; first > 0; first--) {
    spent += replayCost(range.messages[first - 1]!);
    if (spent > budgetBytes) break;
  }
  if (first > 0) {
    const next = range.messages[first]?.seq ?? lastSeq + 1;
    gap = gap?.reset === true ? { ...gap, next } : { after: seq, next };
  }
  if (gap !== undefined) {
    if (room !== undefined) gap.room = room;
    replay.gaps.push(gap);
  }
  for (let index = first; index < range.messages.length; index++) replay.messages.push(range.messages[index]!);
}

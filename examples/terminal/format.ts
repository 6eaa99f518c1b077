/**
 * One-line texts shared by the full-screen renderer and the line mode: a log entry, a transfer's
 * progress. Everything that came from the wire goes through {@link clean} here.
 */
import { formatBytes, formatEta, formatProgress, formatRate, renderBar } from 'piechat';
import type { ChatState, LogEntry } from './model.js';
import { clean } from './text.js';

/** `12:04` (or `12:04:05` with seconds) in local time. */
export function clock(at: number, seconds = false): string {
  return new Date(at).toTimeString().slice(0, seconds ? 8 : 5);
}

/**
 * A log entry as one line without its time: `[lobby] bob: hi`, `[bob -> you] psst`, `*** text`
 * from the server, `* notice`, `! error`. The room tag is left out for `currentRoom`'s messages.
 * Safe to print: controls from the wire are neutralised.
 */
export function formatEntry(entry: LogEntry, currentRoom?: string): string {
  switch (entry.kind) {
    case 'chat':
      return clean(`${entry.room === currentRoom ? '' : `[${entry.room}] `}${entry.from}: ${entry.text}`);
    case 'private':
      return clean(entry.mine === true ? `[you -> ${entry.to}] ${entry.text}` : `[${entry.from} -> you] ${entry.text}`);
    case 'system':
      return clean(`*** ${entry.text}`);
    case 'notice':
      return clean(`* ${entry.text}`);
    case 'error':
      return clean(`! ${entry.text}`);
  }
}

/** A transfer as the status line and the line mode show it. */
export interface TransferView {
  /** `upload:<transferId>` or `download:<n>`: names the transfer while it runs. */
  readonly key: string;
  readonly direction: 'upload' | 'download';
  readonly name: string;
  readonly bytes: number;
  readonly total: number;
  readonly startedAt: number;
  readonly at: number;
}

/** Shortest span over which a rate is worth showing. */
const RATE_MIN_MS = 250;

/**
 * `↑ report.bin [#####---------------]  25%  1.0 MiB / 4.0 MiB  2.0 MiB/s  ETA 0:02` while it runs,
 * `↑ report.bin [####################] 100%  4.0 MiB / 4.0 MiB  2.0 MiB/s  in 0:02` once done. The
 * rate is the average since the start: plain data in, no clock of its own.
 */
export function formatTransfer(view: TransferView): string {
  const elapsed = view.at - view.startedAt;
  const label = `${view.direction === 'upload' ? '↑' : '↓'} ${clean(view.name)}`;
  if (view.bytes >= view.total) {
    // Done: the average rate over the whole transfer, and how long it took.
    const rate = elapsed > 0 ? (view.total * 1000) / elapsed : undefined;
    return `${label} ${renderBar(1)} 100%  ${formatBytes(view.total)} / ${formatBytes(view.total)}  ${formatRate(rate)}  in ${formatEta(elapsed / 1000)}`;
  }
  const rate = elapsed >= RATE_MIN_MS ? (view.bytes * 1000) / elapsed : undefined;
  const eta = rate === undefined || rate <= 0 ? undefined : Math.max(0, view.total - view.bytes) / rate;
  return `${label} ${formatProgress({ bytes: view.bytes, total: view.total, rate, eta })}`;
}

/** The transfers running now: uploads first, then downloads, oldest first. */
export function activeTransfers(state: ChatState): TransferView[] {
  const uploads = state.uploads.map((upload): TransferView => ({ key: `upload:${upload.transferId}`, direction: 'upload', ...upload }));
  const downloads = state.files
    .filter((file) => file.state === 'downloading')
    .map(
      (file): TransferView => ({
        key: `download:${file.n}`,
        direction: 'download',
        name: file.file.name,
        bytes: file.bytes,
        total: file.file.size,
        startedAt: file.startedAt ?? 0,
        at: file.at ?? file.startedAt ?? 0,
      }),
    );
  return [...uploads, ...downloads];
}

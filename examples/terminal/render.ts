/**
 * The full screen as a pure function of the state and the terminal's size: one string per row,
 * each exactly `columns` wide (plus SGR styling), and where the cursor goes.
 *
 * ```text
 *  PieChat · alice @ 127.0.0.1:9009 · lobby                               online
 * 12:04 * connected to 127.0.0.1:9009 as alice, in lobby │ Users · lobby (2)
 * 12:04 bob: hello alice                                 │ alice (you)
 * 12:05 * [1] bob shared notes.txt (1.2 KiB) in lobby: … │ bob
 *                                                        │ Files (1) · Tab
 *                                                        │ 1 notes.txt      1.2 KiB
 *  ↑ big.iso [#########-----------]  45%  450.0 MiB / 1000.0 MiB  85.3 MiB/s  ETA 0:06
 * lobby> hello bob_
 * ```
 */
import { formatBytes } from 'piechat';
import { activeTransfers, clock, formatEntry, formatTransfer } from './format.js';
import type { ChatState, IncomingFile } from './model.js';
import { clean, cut, fit, tail, width, wrap } from './text.js';

/** The terminal's size in character cells. */
export interface Size {
  columns: number;
  rows: number;
}

/** A rendered screen. */
export interface Frame {
  /** One string per row, top to bottom, each `columns` wide once SGR sequences are left out. */
  lines: string[];
  /** Where the cursor goes (0-based), or undefined to hide it. */
  cursor: { row: number; column: number } | undefined;
}

/** Options of {@link render}. */
export interface RenderOptions {
  /**
   * Use colours (bold and inverse video are used either way). `NO_COLOR` turns them off.
   * @default true
   */
  color?: boolean;
}

/** Narrower than this, the users and files pane is left out. */
export const SIDE_PANE_MIN_COLUMNS = 60;
/** Narrower than this, the screen only says it is too small. */
export const MIN_COLUMNS = 20;
/** Fewer rows than this, the screen only says it is too small. */
export const MIN_ROWS = 5;
/** Width of the time before each message, and the indent of its continuation lines. */
const TIME_INDENT = '      ';

type Style = 'title' | 'header' | 'selected' | 'me' | 'notice' | 'error' | 'system' | 'mine' | 'private' | 'plain';
const SGR: Readonly<Record<Style, { color: string; plain: string }>> = {
  title: { color: '7', plain: '7' },
  selected: { color: '7', plain: '7' },
  header: { color: '1', plain: '1' },
  me: { color: '1', plain: '1' },
  notice: { color: '2', plain: '' },
  error: { color: '31', plain: '1' },
  system: { color: '33', plain: '' },
  mine: { color: '36', plain: '' },
  private: { color: '35', plain: '' },
  plain: { color: '', plain: '' },
};

function paint(text: string, style: Style, color: boolean): string {
  const code = color ? SGR[style].color : SGR[style].plain;
  return code === '' ? text : `\u001b[${code}m${text}\u001b[0m`;
}

/** A line of a pane before it is fitted to its width. */
interface Row {
  text: string;
  style: Style;
}

/** Width of the side pane, or 0 when there is no room for one. */
function sideWidth(columns: number): number {
  return columns < SIDE_PANE_MIN_COLUMNS ? 0 : Math.min(32, Math.max(20, Math.round(columns * 0.3)));
}

/** Rows of the message pane: the screen less the title, status and input lines. */
export function paneHeight(size: Size): number {
  return Math.max(1, size.rows - 3);
}

/** Width of the message pane. */
function paneWidth(columns: number): number {
  const side = sideWidth(columns);
  return side === 0 ? columns : columns - side - 1;
}

/** The message pane's content, wrapped to `columns`: every line it could show, oldest first. */
export function messageRows(state: ChatState, columns: number): Row[] {
  const rows: Row[] = [];
  for (const entry of state.log) {
    const style: Style = entry.kind === 'chat' ? (entry.mine === true ? 'mine' : 'plain') : entry.kind === 'private' ? 'private' : entry.kind;
    for (const line of wrap(`${clock(entry.at)} ${formatEntry(entry, state.room)}`, columns, TIME_INDENT)) rows.push({ text: line, style });
  }
  return rows;
}

/** How far the message pane can scroll back. */
export function maxScroll(state: ChatState, size: Size): number {
  return Math.max(0, messageRows(state, paneWidth(size.columns)).length - paneHeight(size));
}

function fileRow(file: IncomingFile, columns: number, selected: boolean): Row {
  const status =
    file.state === 'downloading'
      ? `${Math.floor((100 * file.bytes) / Math.max(1, file.file.size))}%`
      : file.state === 'saved'
        ? 'saved'
        : file.state === 'failed'
          ? 'failed'
          : formatBytes(file.file.size);
  const label = `${file.n} ${clean(file.file.name)}`;
  const room = Math.max(1, columns - status.length - 1);
  return { text: `${fit(label, room)} ${status}`, style: selected ? 'selected' : 'plain' };
}

/** The side pane: the current room's members, then the incoming files. */
function sideRows(state: ChatState, columns: number, height: number): Row[] {
  const members = state.room === undefined ? [] : [...(state.members[state.room] ?? [])].sort((a, b) => a.localeCompare(b));
  const usersHeight = Math.max(2, Math.min(1 + members.length, Math.ceil(height / 2)));
  const rows: Row[] = [{ text: state.room === undefined ? 'Users' : `Users · ${clean(state.room)} (${members.length})`, style: 'header' }];
  const shown = members.length > usersHeight - 1 ? [...members.slice(0, usersHeight - 2), `… ${members.length - usersHeight + 2} more`] : members;
  for (const member of shown) rows.push(member === state.me ? { text: `${member} (you)`, style: 'me' } : { text: clean(member), style: 'plain' });
  while (rows.length < usersHeight) rows.push({ text: '', style: 'plain' });

  const room = height - rows.length - 1;
  rows.push({ text: state.files.length === 0 ? 'Files' : `Files (${state.files.length}) · ${state.focus === 'files' ? 'Esc' : 'Tab'}`, style: 'header' });
  // Show the newest files, or the ones around the highlighted file while choosing.
  const last = state.focus === 'files' ? Math.min(state.files.length, Math.max(room, state.selected + 1)) : state.files.length;
  const first = Math.max(0, last - room);
  state.files.slice(first, last).forEach((file, index) => rows.push(fileRow(file, columns, state.focus === 'files' && first + index === state.selected)));
  return rows;
}

/** The status line: a transfer's progress, the files pane's keys, or the last notice. */
function statusText(state: ChatState, size: Size): string {
  if (state.focus === 'files') return 'Files: press a number, or Up/Down and Enter, to download · Esc or Tab: back to typing';
  const transfers = activeTransfers(state);
  if (transfers.length > 0) return `${formatTransfer(transfers[0]!)}${transfers.length > 1 ? `  (+${transfers.length - 1} more)` : ''}`;
  if (state.scroll > 0) return `scrolled back ${Math.min(state.scroll, maxScroll(state, size))} lines · End: back to the newest`;
  return clean(state.status ?? '/help for commands · Tab: files · PgUp/PgDn: scroll · Ctrl-C: quit');
}

/** The input line, scrolled sideways so that the cursor is always visible. */
function inputLine(state: ChatState, columns: number): { text: string; cursor: number } {
  const prompt = state.focus === 'files' ? 'files> ' : `${clean(state.room ?? '(no room)')}> `;
  const available = Math.max(1, columns - width(prompt) - 1);
  const characters = [...clean(state.input.text)];
  const before = characters.slice(0, state.input.cursor).join('');
  const after = characters.slice(state.input.cursor).join('');
  const visibleBefore = width(before) <= available ? before : tail(before, available);
  const text = `${prompt}${visibleBefore}${cut(after, available - width(visibleBefore))}`;
  return { text: fit(text, columns), cursor: Math.min(columns - 1, width(prompt) + width(visibleBefore)) };
}

/** Renders the whole screen for `state` at `size`. */
export function render(state: ChatState, size: Size, options: RenderOptions = {}): Frame {
  const color = options.color ?? true;
  const { columns, rows } = size;
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    const lines = Array.from({ length: Math.max(0, rows) }, (_, index) => fit(index === 0 ? 'Terminal too small' : '', Math.max(0, columns)));
    return { lines, cursor: undefined };
  }
  const connection = state.connection;
  const title = ` PieChat · ${clean(state.me)} @ ${clean(state.address)} · ${clean(state.room ?? 'no room')}`;
  const lines = [paint(`${fit(title, columns - connection.length - 1)}${connection} `, 'title', color)];

  const height = paneHeight(size);
  const side = sideWidth(columns);
  const left = paneWidth(columns);
  const messages = messageRows(state, left);
  const scroll = Math.min(state.scroll, Math.max(0, messages.length - height));
  const visible = messages.slice(Math.max(0, messages.length - height - scroll), messages.length - scroll);
  const padded: Row[] = [...Array.from({ length: height - visible.length }, (): Row => ({ text: '', style: 'plain' })), ...visible];
  const right = side === 0 ? [] : sideRows(state, side - 1, height);
  for (let row = 0; row < height; row++) {
    const message = padded[row]!;
    let line = paint(fit(message.text, left), message.style, color);
    if (side > 0) {
      const entry = right[row] ?? { text: '', style: 'plain' };
      line += `│${paint(fit(` ${entry.text}`, side), entry.style, color)}`;
    }
    lines.push(line);
  }

  lines.push(paint(fit(` ${statusText(state, size)}`, columns), 'title', color));
  const input = inputLine(state, columns);
  lines.push(input.text);
  return { lines, cursor: state.focus === 'input' ? { row: rows - 1, column: input.cursor } : undefined };
}

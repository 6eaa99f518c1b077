/**
 * What each key does, as data: the full-screen mode turns keypresses (as Node's
 * `readline.emitKeypressEvents` reports them) into intents, and carries them out. Pure.
 */
import type { Edit } from './line-editor.js';
import type { Action, ChatState } from './model.js';

/** A keypress as `readline` reports it (the `key` argument of a `keypress` event). */
export interface KeyPress {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  sequence?: string;
}

/** What a key asks for. */
export type Intent =
  /** Plain state changes. */
  | { kind: 'actions'; actions: Action[] }
  /** Enter on the input line: run the line. */
  | { kind: 'submit' }
  /** Scroll the message pane by a number of pages (negative: back in time). */
  | { kind: 'page'; by: number }
  /** Download incoming file `n`, then go back to typing. */
  | { kind: 'download'; n: number }
  | { kind: 'quit' }
  /** Repaint the whole screen (Ctrl-L). */
  | { kind: 'redraw' };

/** Text a key may insert: no controls (Enter, Tab, Escape … are keys of their own). */
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/u;

const editing = (...edits: Edit[]): Intent => ({ kind: 'actions', actions: edits.map((edit) => ({ type: 'edit', edit })) });
const actions = (...list: Action[]): Intent => ({ kind: 'actions', actions: list });

/** Keys that work the same whatever has the focus. */
function common(key: KeyPress): Intent | undefined {
  if (key.ctrl === true && key.name === 'c') return { kind: 'quit' };
  if (key.ctrl === true && key.name === 'l') return { kind: 'redraw' };
  if (key.name === 'pageup') return { kind: 'page', by: 1 };
  if (key.name === 'pagedown') return { kind: 'page', by: -1 };
  // Alt+1 … Alt+9 download from anywhere.
  if (key.meta === true && key.name !== undefined && /^[1-9]$/.test(key.name)) return { kind: 'download', n: Number(key.name) };
  return undefined;
}

/** A key while the files pane has the focus: numbers, Up/Down and Enter pick a file. */
function inFiles(state: ChatState, text: string | undefined, key: KeyPress): Intent | undefined {
  switch (key.name) {
    case 'up':
      return actions({ type: 'select', by: -1 });
    case 'down':
      return actions({ type: 'select', by: 1 });
    case 'return':
    case 'enter': {
      const file = state.files[state.selected];
      return file === undefined ? undefined : { kind: 'download', n: file.n };
    }
    case 'escape':
    case 'tab':
      return actions({ type: 'focus', pane: 'input' });
  }
  if (text !== undefined && /^[1-9]$/.test(text)) return { kind: 'download', n: Number(text) };
  // Anything else typed goes to the input line, as if the focus had never left it.
  if (text !== undefined && key.ctrl !== true && key.meta !== true && PRINTABLE.test(text)) {
    return actions({ type: 'focus', pane: 'input' }, { type: 'edit', edit: { kind: 'insert', text } });
  }
  return undefined;
}

/** A key while typing. */
function inInput(state: ChatState, text: string | undefined, key: KeyPress): Intent | undefined {
  const { ctrl = false, meta = false } = key;
  switch (key.name) {
    case 'return':
    case 'enter':
      return { kind: 'submit' };
    case 'tab':
      return actions({ type: 'focus', pane: 'files' });
    case 'backspace':
      return editing(meta || ctrl ? { kind: 'delete-word' } : { kind: 'backspace' });
    case 'delete':
      return editing({ kind: 'delete' });
    case 'left':
      return editing(ctrl || meta ? { kind: 'word-left' } : { kind: 'left' });
    case 'right':
      return editing(ctrl || meta ? { kind: 'word-right' } : { kind: 'right' });
    case 'home':
      return editing({ kind: 'home' });
    case 'end':
      return actions({ type: 'edit', edit: { kind: 'end' } }, { type: 'scroll-end' });
    case 'up':
      return editing({ kind: 'history', by: -1 });
    case 'down':
      return editing({ kind: 'history', by: 1 });
  }
  if (ctrl) {
    const control: Record<string, Edit> = { a: { kind: 'home' }, e: { kind: 'end' }, b: { kind: 'left' }, f: { kind: 'right' }, u: { kind: 'kill-start' }, k: { kind: 'kill-end' }, w: { kind: 'delete-word' }, p: { kind: 'history', by: -1 }, n: { kind: 'history', by: 1 } };
    if (key.name === 'd') return state.input.text === '' ? { kind: 'quit' } : editing({ kind: 'delete' });
    const edit = key.name === undefined ? undefined : control[key.name];
    return edit === undefined ? undefined : editing(edit);
  }
  if (meta) {
    if (key.name === 'b') return editing({ kind: 'word-left' });
    if (key.name === 'f') return editing({ kind: 'word-right' });
    return undefined;
  }
  if (text !== undefined && PRINTABLE.test(text)) return editing({ kind: 'insert', text });
  return undefined;
}

/** The intent of one keypress (`text` is the character typed, if any), or undefined to ignore it. */
export function intentOf(state: ChatState, text: string | undefined, key: KeyPress = {}): Intent | undefined {
  return common(key) ?? (state.focus === 'files' ? inFiles(state, text, key) : inInput(state, text, key));
}

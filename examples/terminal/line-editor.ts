/**
 * The input line as plain data: its text, the cursor, and the lines entered before (Up and Down
 * recall them). Every operation returns a new editor; nothing here touches a terminal.
 */

/** The state of the input line. */
export interface LineEditor {
  /** What is typed so far. */
  readonly text: string;
  /** Cursor position, in characters (code points) from the start. */
  readonly cursor: number;
  /** Lines entered before, oldest first. */
  readonly history: readonly string[];
  /** Index into `history` being shown, or `history.length` when editing a new line. */
  readonly recall: number;
  /** The new line being typed, kept while the history is browsed. */
  readonly draft: string;
}

/** One editing operation, as keys map to them (see `keys.ts`). */
export type Edit =
  | { kind: 'insert'; text: string }
  | { kind: 'backspace' }
  | { kind: 'delete' }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'word-left' }
  | { kind: 'word-right' }
  | { kind: 'delete-word' }
  | { kind: 'kill-start' }
  | { kind: 'kill-end' }
  | { kind: 'history'; by: -1 | 1 }
  | { kind: 'clear' };

/** Most lines the history keeps. */
export const MAX_HISTORY = 200;

/** An empty input line with no history. */
export const EMPTY_EDITOR: LineEditor = { text: '', cursor: 0, history: [], recall: 0, draft: '' };

// Typed or pasted text never carries controls into the line (a pasted newline would end it early).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

function withText(editor: LineEditor, characters: readonly string[], cursor: number): LineEditor {
  return { ...editor, text: characters.join(''), cursor: Math.max(0, Math.min(characters.length, cursor)) };
}

/** Start of the word before `cursor` (skipping the spaces just before it). */
function wordStart(characters: readonly string[], cursor: number): number {
  let index = cursor;
  while (index > 0 && characters[index - 1] === ' ') index--;
  while (index > 0 && characters[index - 1] !== ' ') index--;
  return index;
}

/** End of the word after `cursor`. */
function wordEnd(characters: readonly string[], cursor: number): number {
  let index = cursor;
  while (index < characters.length && characters[index] === ' ') index++;
  while (index < characters.length && characters[index] !== ' ') index++;
  return index;
}

/** Applies one edit. */
export function edit(editor: LineEditor, operation: Edit): LineEditor {
  const characters = [...editor.text];
  const { cursor } = editor;
  switch (operation.kind) {
    case 'insert': {
      const inserted = [...operation.text.replace(CONTROLS, ' ')];
      return withText(editor, [...characters.slice(0, cursor), ...inserted, ...characters.slice(cursor)], cursor + inserted.length);
    }
    case 'backspace':
      return cursor === 0 ? editor : withText(editor, [...characters.slice(0, cursor - 1), ...characters.slice(cursor)], cursor - 1);
    case 'delete':
      return withText(editor, [...characters.slice(0, cursor), ...characters.slice(cursor + 1)], cursor);
    case 'left':
      return withText(editor, characters, cursor - 1);
    case 'right':
      return withText(editor, characters, cursor + 1);
    case 'home':
      return withText(editor, characters, 0);
    case 'end':
      return withText(editor, characters, characters.length);
    case 'word-left':
      return withText(editor, characters, wordStart(characters, cursor));
    case 'word-right':
      return withText(editor, characters, wordEnd(characters, cursor));
    case 'delete-word': {
      const start = wordStart(characters, cursor);
      return withText(editor, [...characters.slice(0, start), ...characters.slice(cursor)], start);
    }
    case 'kill-start':
      return withText(editor, characters.slice(cursor), 0);
    case 'kill-end':
      return withText(editor, characters.slice(0, cursor), cursor);
    case 'history':
      return recall(editor, operation.by);
    case 'clear':
      return { ...editor, text: '', cursor: 0, recall: editor.history.length, draft: '' };
  }
}

/** Up (-1) and Down (+1) through the history; coming back past the newest restores the draft. */
function recall(editor: LineEditor, by: -1 | 1): LineEditor {
  const target = editor.recall + by;
  if (target < 0 || target > editor.history.length) return editor;
  const draft = editor.recall === editor.history.length ? editor.text : editor.draft;
  const text = target === editor.history.length ? draft : editor.history[target]!;
  return { ...editor, text, cursor: [...text].length, recall: target, draft };
}

/**
 * Enter: returns the line typed and an empty editor that remembers it (blank lines and
 * repeats of the previous line are not added to the history).
 */
export function submit(editor: LineEditor): { editor: LineEditor; line: string } {
  const line = editor.text;
  const remembered = line.trim() === '' || editor.history.at(-1) === line ? editor.history : [...editor.history, line].slice(-MAX_HISTORY);
  return { line, editor: { text: '', cursor: 0, history: remembered, recall: remembered.length, draft: '' } };
}

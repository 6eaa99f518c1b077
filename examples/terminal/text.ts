/**
 * Text for a terminal: neutralising what strangers typed, and measuring, cutting, padding and
 * wrapping by display columns (a CJK character or an emoji takes two, a combining accent none).
 * Pure functions, no terminal needed.
 */

// C0 and C1 controls and DEL move the cursor, clear the screen or start escape sequences; the
// bidirectional overrides and isolates reorder what follows them on the line (a "Trojan Source"
// trick to disguise text). None of them may reach the terminal from the wire.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from the wire safe to print on one terminal line: tabs and newlines become spaces,
 * every other control or direction override a `?`.
 *
 * @example
 * ```ts
 * clean('hi\u001b[2Jthere\nyou'); // 'hi?[2Jthere you'
 * ```
 */
export function clean(text: string): string {
  return text.replace(UNSAFE, (character) => (character === '\t' || character === '\n' || character === '\r' ? ' ' : '?'));
}

/** Code points that take no column: combining marks, zero-width spaces and joiners, variation selectors. */
function isZeroWidth(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x1ab0 && code <= 0x1aff) ||
    (code >= 0x1dc0 && code <= 0x1dff) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe20 && code <= 0xfe2f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0x200b && code <= 0x200d) ||
    code === 0x2060 ||
    code === 0xfeff
  );
}

/** Code points a terminal draws two columns wide: East Asian wide and fullwidth forms, most emoji. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Columns one character (a code point) takes. */
export function charWidth(character: string): number {
  const code = character.codePointAt(0) ?? 0;
  if (isZeroWidth(code)) return 0;
  return isWide(code) ? 2 : 1;
}

/** Columns `text` takes (it must be {@link clean}: no controls). */
export function width(text: string): number {
  let columns = 0;
  for (const character of text) columns += charWidth(character);
  return columns;
}

/** The longest start of `text` that fits in `columns`. */
export function cut(text: string, columns: number): string {
  let used = 0;
  let end = 0;
  for (const character of text) {
    const next = used + charWidth(character);
    if (next > columns) break;
    used = next;
    end += character.length;
  }
  return text.slice(0, end);
}

/**
 * `text` made exactly `columns` wide: cut with an ellipsis when too long, padded with spaces
 * when too short (a wide character that would straddle the edge becomes a space).
 */
export function fit(text: string, columns: number): string {
  if (columns <= 0) return '';
  const total = width(text);
  if (total <= columns) return text + ' '.repeat(columns - total);
  const kept = cut(text, columns - 1);
  return `${kept}…${' '.repeat(columns - 1 - width(kept))}`;
}

/** The end of `text` that fits in `columns` (for a line that must show its tail). */
export function tail(text: string, columns: number): string {
  const characters = [...text];
  let used = 0;
  let start = characters.length;
  while (start > 0) {
    const next = used + charWidth(characters[start - 1]!);
    if (next > columns) break;
    used = next;
    start--;
  }
  return characters.slice(start).join('');
}

/**
 * Splits `text` into lines at most `columns` wide, at spaces where it can, within words where it
 * must. Continuation lines start with `indent` (counted in the width). Always at least one line.
 *
 * @example
 * ```ts
 * wrap('the quick brown fox', 10, '  '); // ['the quick', '  brown', '  fox']
 * ```
 */
export function wrap(text: string, columns: number, indent = ''): string[] {
  const max = Math.max(1, columns);
  const margin = width(indent) < max ? indent : '';
  const lines: string[] = [];
  let line = '';
  let used = 0;
  /** Columns at which this line's own text starts (after the indent of a continuation line). */
  const start = (): number => (lines.length === 0 ? 0 : width(margin));
  const newLine = (): void => {
    lines.push(line.trimEnd());
    line = margin;
    used = width(margin);
  };
  // Each word keeps its trailing space: a line may end with one, trimmed when it is pushed.
  for (const word of text.split(/(?<= )/)) {
    const bare = width(word.trimEnd());
    if (used + bare > max && used > start() && bare <= max - width(margin)) newLine();
    if (used + bare <= max) {
      line += word;
      used += width(word);
      continue;
    }
    for (const character of word) {
      const columnsTaken = charWidth(character);
      if (used + columnsTaken > max && used > start()) newLine();
      if (character === ' ' && used === start() && lines.length > 0) continue;
      line += character;
      used += columnsTaken;
    }
  }
  lines.push(line.trimEnd());
  return lines;
}

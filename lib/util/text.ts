// C0 and C1 control characters and DEL: text from the wire must not move a terminal's cursor,
// clear its screen, ring its bell or fake extra lines.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Makes text from the wire safe to print on one terminal line: tabs and newlines become spaces, other controls `?`. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (character) => (character === '\t' || character === '\n' ? ' ' : '?'));
}

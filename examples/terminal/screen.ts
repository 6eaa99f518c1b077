/**
 * The terminal itself: the alternate screen buffer, raw-mode keys, painting frames, and putting
 * everything back as it was. The only file that writes escape sequences of its own.
 */
import { emitKeypressEvents } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:tty';
import type { KeyPress } from './keys.js';
import type { Frame, Size } from './render.js';

const CSI = '\u001b[';
const ENTER_ALTERNATE = `${CSI}?1049h${CSI}H${CSI}2J`;
const LEAVE_ALTERNATE = `${CSI}0m${CSI}?25h${CSI}?1049l`;
const HIDE_CURSOR = `${CSI}?25l`;
const SHOW_CURSOR = `${CSI}?25h`;

/** Called for each keypress: the character typed (if any) and the key. */
export type KeyListener = (text: string | undefined, key: KeyPress) => void;

/**
 * A full-screen terminal session. {@link Screen.enter} switches to the alternate buffer and raw
 * mode; {@link Screen.leave} (idempotent, safe from an `exit` handler) restores the terminal.
 * Frames are painted row by row with absolute cursor moves, only the rows that changed, never a
 * newline, so the screen cannot scroll.
 */
export class Screen {
  readonly #input: ReadStream;
  readonly #output: WriteStream;
  #painted: string[] = [];
  #active = false;
  #keyListener: ((text: string | undefined, key: KeyPress | undefined) => void) | undefined;
  #resizeListener: (() => void) | undefined;

  constructor(input: ReadStream, output: WriteStream) {
    this.#input = input;
    this.#output = output;
  }

  /** The terminal's size now. */
  get size(): Size {
    return { columns: this.#output.columns || 80, rows: this.#output.rows || 24 };
  }

  /** Takes the terminal over: alternate screen, raw mode, keys to `onKey`, resizes to `onResize`. */
  enter(onKey: KeyListener, onResize: () => void): void {
    if (this.#active) return;
    this.#active = true;
    this.#output.write(ENTER_ALTERNATE);
    emitKeypressEvents(this.#input);
    this.#input.setRawMode(true);
    this.#keyListener = (text, key) => onKey(text, key ?? {});
    this.#resizeListener = () => {
      this.#painted = [];
      onResize();
    };
    this.#input.on('keypress', this.#keyListener);
    this.#output.on('resize', this.#resizeListener);
    this.#input.resume();
  }

  /** Paints `frame`: every row when `full`, else only the rows that changed since the last paint. */
  paint(frame: Frame, full = false): void {
    if (!this.#active) return;
    let out = HIDE_CURSOR + (full ? `${CSI}2J` : '');
    frame.lines.forEach((line, row) => {
      if (full || this.#painted[row] !== line) out += `${CSI}${row + 1};1H${line}`;
    });
    if (frame.cursor !== undefined) out += `${CSI}${frame.cursor.row + 1};${frame.cursor.column + 1}H${SHOW_CURSOR}`;
    this.#painted = frame.lines;
    this.#output.write(out);
  }

  /** Gives the terminal back as it was: main screen, cursor shown, cooked mode, input paused. */
  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    if (this.#keyListener !== undefined) this.#input.off('keypress', this.#keyListener);
    if (this.#resizeListener !== undefined) this.#output.off('resize', this.#resizeListener);
    try {
      this.#input.setRawMode(false);
    } catch {
      // The terminal may already be gone (a closed ssh session): nothing left to restore.
    }
    this.#input.pause();
    this.#output.write(LEAVE_ALTERNATE);
  }
}

import { MAGIC, PREAMBLE_LENGTH } from '../protocol/constants.js';

/** How a new connection opened, judged from its first bytes. */
export type Opening =
  /** The PieChat preamble: `version` is what the client speaks, `rest` the bytes after it. */
  | { kind: 'binary'; version: number; rest: Buffer }
  /** Anything else: a person with telnet or `nc`. */
  | { kind: 'line' }
  /** Too few bytes to tell (a prefix of the magic). */
  | { kind: 'undecided' };

/** Classifies the first bytes a server received on a connection. */
export function classifyOpening(bytes: Buffer): Opening {
  const compared = Math.min(bytes.length, MAGIC.length);
  for (let index = 0; index < compared; index++) {
    if (bytes[index] !== MAGIC[index]) return { kind: 'line' };
  }
  if (bytes.length < PREAMBLE_LENGTH) return { kind: 'undecided' };
  return { kind: 'binary', version: bytes[MAGIC.length]!, rest: bytes.subarray(PREAMBLE_LENGTH) };
}

/**
 * Finds the server's preamble in the first bytes a client received. A server that took the
 * client for a line-mode user may have sent a text prompt first; that text is skipped.
 * Returns the index of the magic, or -1.
 */
export function findPreamble(bytes: Buffer): number {
  return bytes.indexOf(MAGIC);
}

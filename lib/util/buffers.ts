/** The buffers still to write after `written` bytes of `chunks` were written (a short `writev`). */
export function remainder(chunks: readonly Buffer[], written: number): readonly Buffer[] {
  let index = 0;
  let left = written;
  while (index < chunks.length && left >= chunks[index]!.length) left -= chunks[index++]!.length;
  if (index === chunks.length) return [];
  return [chunks[index]!.subarray(left), ...chunks.slice(index + 1)];
}

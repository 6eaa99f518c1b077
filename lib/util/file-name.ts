/** Longest display name, in UTF-8 bytes (the usual file system limit for one path component). */
export const MAX_FILE_NAME_BYTES = 255;

/** The name used when nothing usable is left of the one given. */
export const FALLBACK_FILE_NAME = 'file';

// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * Turns any name from the wire into a safe display and file name: only the last path component
 * is kept (so `../../etc/passwd` becomes `passwd`), control characters, NUL and characters that
 * are not allowed on common file systems become `_`, surrounding spaces and trailing dots go,
 * names made only of dots and Windows device names are neutralised, and the result is cut to
 * 255 UTF-8 bytes keeping the extension. Never returns an empty string.
 */
export function sanitizeFileName(name: string): string {
  const lastComponent = name.split(/[/\\]/).pop() ?? '';
  let safe = lastComponent.replace(UNSAFE_CHARACTERS, '_').trim().replace(/[. ]+$/, '');
  if (safe === '' || /^\.+$/.test(safe)) return FALLBACK_FILE_NAME;
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  return truncateUtf8(safe, MAX_FILE_NAME_BYTES);
}

/** Cuts `name` to at most `maxBytes` UTF-8 bytes on a character boundary, keeping a short extension. */
function truncateUtf8(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const budget = maxBytes - Buffer.byteLength(extension);
  let stem = '';
  for (const character of name.slice(0, name.length - extension.length)) {
    if (Buffer.byteLength(stem + character) > budget) break;
    stem += character;
  }
  return stem + extension;
}

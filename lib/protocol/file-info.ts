import { PieChatError } from '../errors.js';
import type { FileInfo } from '../types.js';
import { readCount, readOptionalString, readString, type WireObject } from './fields.js';

/** A file id: 32 lowercase hexadecimal characters (128 random bits). */
export const FILE_ID_PATTERN = /^[0-9a-f]{32}$/;

/** A SHA-256 digest in lowercase hexadecimal. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** True for a well-formed file id; anything else can never name a file. */
export function isFileId(value: unknown): value is string {
  return typeof value === 'string' && FILE_ID_PATTERN.test(value);
}

/**
 * Checks a {@link FileInfo} read from the wire or from disk, copying only its known fields.
 * Throws `ERR_PROTOCOL` on anything malformed.
 */
export function parseFileInfo(object: WireObject): FileInfo {
  const id = readString(object, 'id', 32);
  const name = readString(object, 'name', 1024);
  const size = readCount(object, 'size');
  const sha256 = readString(object, 'sha256', 64);
  const room = readOptionalString(object, 'room', 256);
  const to = readOptionalString(object, 'to', 256);
  const from = readString(object, 'from', 256);
  const at = readCount(object, 'at');
  if (!FILE_ID_PATTERN.test(id)) throw new PieChatError('ERR_PROTOCOL', 'Invalid file: `id` must be 32 hexadecimal characters');
  if (!SHA256_PATTERN.test(sha256)) throw new PieChatError('ERR_PROTOCOL', 'Invalid file: `sha256` must be 64 hexadecimal characters');
  if ((room === undefined) === (to === undefined)) throw new PieChatError('ERR_PROTOCOL', 'Invalid file: exactly one of `room` and `to` is required');
  return room !== undefined ? { id, name, size, sha256, from, room, at } : { id, name, size, sha256, from, to: to!, at };
}

import { isErrorCode, PieChatError } from '../errors.js';
import { readCount, readString, type WireObject } from './fields.js';
import type { CancelMessage, CreditMessage } from './messages.js';

/** Largest stream id (u32, as in data frames). */
export const MAX_STREAM_ID = 0xffffffff;

/** Reads a stream id: an integer from 1 to 2^32 - 1. */
export function readStream(object: WireObject): number {
  const stream = readCount(object, 'stream');
  if (stream === 0 || stream > MAX_STREAM_ID) throw new PieChatError('ERR_PROTOCOL', 'Invalid message: `stream` must be from 1 to 2^32 - 1');
  return stream;
}

/** Checks a `credit` message (either direction). */
export function parseCredit(object: WireObject): CreditMessage {
  return { t: 'credit', stream: readStream(object), ack: readCount(object, 'ack'), window: readCount(object, 'window') };
}

/** Checks a `cancel` message (either direction); an unknown code becomes `ERR_ABORTED`. */
export function parseCancel(object: WireObject): CancelMessage {
  const code = object.code;
  return {
    t: 'cancel',
    stream: readStream(object),
    code: isErrorCode(code) ? code : 'ERR_ABORTED',
    message: readString(object, 'message', Number.MAX_SAFE_INTEGER).slice(0, 1024),
  };
}

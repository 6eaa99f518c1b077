import { DATA_HEADER_LENGTH, FRAME_HEADER_LENGTH, FrameType, MAGIC, PREAMBLE_LENGTH, type FrameTypeValue } from './constants.js';

const TWO_POW_32 = 2 ** 32;

/** The 5-byte preamble (magic + version) each side sends before its first frame. */
export function encodePreamble(version: number): Buffer {
  const preamble = Buffer.allocUnsafe(PREAMBLE_LENGTH);
  preamble.set(MAGIC, 0);
  preamble[MAGIC.length] = version;
  return preamble;
}

/** Builds a frame of any type around an already-encoded payload. */
export function encodeFrame(type: FrameTypeValue, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame[4] = type;
  frame.set(payload, FRAME_HEADER_LENGTH);
  return frame;
}

/**
 * Encodes a control message as one frame. The JSON is serialised once and written straight
 * into the frame, so a broadcast pays for encoding once whatever the number of receivers.
 */
export function encodeControl(message: object): Buffer {
  const json = JSON.stringify(message);
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + length);
  frame.writeUInt32BE(length, 0);
  frame[4] = FrameType.Control;
  frame.write(json, FRAME_HEADER_LENGTH, length, 'utf8');
  return frame;
}

/**
 * Encodes the header of a data frame (frame header, stream id, offset). The chunk itself is
 * written after it without copying.
 */
export function encodeDataHeader(stream: number, offset: number, chunkLength: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + DATA_HEADER_LENGTH);
  header.writeUInt32BE(DATA_HEADER_LENGTH + chunkLength, 0);
  header[4] = FrameType.Data;
  header.writeUInt32BE(stream, 5);
  header.writeUInt32BE(Math.floor(offset / TWO_POW_32), 9);
  header.writeUInt32BE(offset % TWO_POW_32, 13);
  return header;
}

/** Encodes a whole data frame in one buffer (tests and small chunks; the hot path uses {@link encodeDataHeader}). */
export function encodeData(stream: number, offset: number, chunk: Uint8Array): Buffer {
  const header = encodeDataHeader(stream, offset, chunk.length);
  return Buffer.concat([header, chunk], header.length + chunk.length);
}

const EMPTY = Buffer.alloc(0);

/** Encodes a ping frame with an optional opaque payload of at most 8 bytes. */
export function encodePing(payload: Uint8Array = EMPTY): Buffer {
  return encodeFrame(FrameType.Ping, payload);
}

/** Encodes the pong answering a ping with `payload`. */
export function encodePong(payload: Uint8Array = EMPTY): Buffer {
  return encodeFrame(FrameType.Pong, payload);
}

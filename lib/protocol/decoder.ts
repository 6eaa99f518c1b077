import { PieChatError } from '../errors.js';
import { DATA_HEADER_LENGTH, FRAME_HEADER_LENGTH, FrameType, MAX_PING_PAYLOAD, type FrameTypeValue } from './constants.js';

/** Receives each complete frame from a {@link FrameDecoder}. */
export interface FrameSink {
  /**
   * Called once per complete frame, in order. `payload` may share memory with the chunk
   * given to {@link FrameDecoder.push}; copy it to keep it past the call if the chunk may be reused.
   */
  onFrame(type: FrameTypeValue, payload: Buffer): void;
  /**
   * If present, data frames come here instead of `onFrame`, already split into stream, offset
   * and chunks: a frame that arrived in several pieces is handed over as those pieces, never
   * copied into one buffer.
   */
  onData?(frame: DataFrame): void;
}

const NO_FRAME = -1;

/**
 * Incremental frame decoder: push bytes as they arrive, in pieces of any size, and it calls the
 * sink once per complete frame. A frame's header is checked (type, size) as soon as its five
 * bytes are in, so an oversize frame is refused before its payload is buffered.
 *
 * Frames contained in one chunk are delivered without copying; a frame split across chunks is
 * joined once, when its last byte arrives.
 */
export class FrameDecoder {
  /** Largest payload accepted; may be raised after the handshake. */
  maxPayloadBytes: number;
  readonly #sink: FrameSink;
  #parts: Buffer[] = [];
  #buffered = 0;
  #pendingLength = NO_FRAME;
  #stopped = false;

  constructor(sink: FrameSink, maxPayloadBytes: number) {
    this.#sink = sink;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** Bytes received but not yet part of a delivered frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Stops delivering frames, including the rest of a chunk being decoded. Used when the connection closes. */
  stop(): void {
    this.#stopped = true;
    this.#parts = [];
    this.#buffered = 0;
  }

  /**
   * Feeds received bytes. Throws a {@link PieChatError} (`ERR_FRAME_TOO_LARGE` or `ERR_PROTOCOL`)
   * on a frame that breaks the protocol; the decoder then stops.
   */
  push(chunk: Buffer): void {
    if (this.#stopped || chunk.length === 0) return;
    let data = chunk;
    if (this.#buffered > 0) {
      this.#parts.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered < FRAME_HEADER_LENGTH) return;
      if (this.#pendingLength === NO_FRAME) {
        const joined = Buffer.concat(this.#parts, this.#buffered);
        this.#parts = [joined];
        this.#pendingLength = this.#checkHeader(joined, 0);
      }
      const frameLength = FRAME_HEADER_LENGTH + this.#pendingLength;
      if (this.#buffered < frameLength) return;
      if (this.#parts.length > 1 && this.#sink.onData !== undefined && frameType(this.#parts) === FrameType.Data) {
        // A data frame in pieces: delivered as those pieces, without joining them.
        const fromLast = frameLength - (this.#buffered - chunk.length);
        const pieces = this.#parts.slice(0, -1);
        pieces.push(chunk.subarray(0, fromLast));
        this.#parts = [];
        this.#buffered = 0;
        this.#pendingLength = NO_FRAME;
        this.#sink.onData(splitDataFrame(pieces, frameLength));
        data = chunk.subarray(fromLast);
        if (data.length === 0 || this.#stopped) return;
      } else {
        data = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#buffered);
        this.#parts = [];
        this.#buffered = 0;
        this.#pendingLength = NO_FRAME;
      }
    }
    this.#decode(data);
  }

  #decode(data: Buffer): void {
    let position = 0;
    const end = data.length;
    while (end - position >= FRAME_HEADER_LENGTH && !this.#stopped) {
      const length = this.#checkHeader(data, position);
      const start = position + FRAME_HEADER_LENGTH;
      if (end - start < length) {
        this.#keep(data.subarray(position), length);
        return;
      }
      position = start + length;
      const type = data[start - 1] as FrameTypeValue;
      if (type === FrameType.Data && this.#sink.onData !== undefined) this.#sink.onData(parseDataFrame(data.subarray(start, position)));
      else this.#sink.onFrame(type, data.subarray(start, position));
    }
    if (position < end && !this.#stopped) this.#keep(data.subarray(position), NO_FRAME);
  }

  #keep(rest: Buffer, pendingLength: number): void {
    this.#parts = [rest];
    this.#buffered = rest.length;
    this.#pendingLength = pendingLength;
  }

  /** Validates the header at `offset` and returns the payload length. */
  #checkHeader(data: Buffer, offset: number): number {
    const length = data.readUInt32BE(offset);
    const type = data[offset + 4];
    if (length > this.maxPayloadBytes) {
      this.stop();
      throw new PieChatError(
        'ERR_FRAME_TOO_LARGE',
        `Frame of ${length} bytes exceeds the limit of ${this.maxPayloadBytes} bytes`,
      );
    }
    const valid =
      type === FrameType.Control ? length > 0
      : type === FrameType.Data ? length >= DATA_HEADER_LENGTH
      : type === FrameType.Ping || type === FrameType.Pong ? length <= MAX_PING_PAYLOAD
      : false;
    if (!valid) {
      this.stop();
      throw new PieChatError('ERR_PROTOCOL', `Invalid frame: type 0x${(type ?? 0).toString(16)} with ${length} bytes`);
    }
    return length;
  }
}

/** A decoded data frame. */
export interface DataFrame {
  /** Transfer stream id, chosen by the client. */
  stream: number;
  /** Position of the first byte in the file. */
  offset: number;
  /** The file bytes, in order: one buffer, or the pieces the frame arrived in (sharing their memory). */
  chunks: Buffer[];
  /** Number of file bytes in `chunks`. */
  length: number;
}

/** Splits a data frame payload into stream id, offset and chunk. */
export function parseDataFrame(payload: Buffer): DataFrame {
  const high = payload.readUInt32BE(4);
  if (high >= 0x200000) throw new PieChatError('ERR_PROTOCOL', 'Data frame offset exceeds 2^53');
  const chunk = payload.subarray(DATA_HEADER_LENGTH);
  return { stream: payload.readUInt32BE(0), offset: high * 2 ** 32 + payload.readUInt32BE(8), chunks: [chunk], length: chunk.length };
}

/** The type byte of a frame whose first bytes are spread over `parts`. */
function frameType(parts: readonly Buffer[]): number | undefined {
  let index = 4;
  for (const part of parts) {
    if (index < part.length) return part[index];
    index -= part.length;
  }
  return undefined;
}

/**
 * Decodes a data frame (header included) spread over `pieces`: the few header bytes are copied
 * out, the file bytes stay in the pieces they arrived in.
 */
function splitDataFrame(pieces: Buffer[], frameLength: number): DataFrame {
  const headerLength = FRAME_HEADER_LENGTH + DATA_HEADER_LENGTH;
  const header = Buffer.allocUnsafe(headerLength);
  const chunks: Buffer[] = [];
  let copied = 0;
  for (const piece of pieces) {
    if (copied < headerLength) {
      const take = Math.min(headerLength - copied, piece.length);
      piece.copy(header, copied, 0, take);
      copied += take;
      if (take < piece.length) chunks.push(piece.subarray(take));
    } else {
      chunks.push(piece);
    }
  }
  const frame = parseDataFrame(header.subarray(FRAME_HEADER_LENGTH));
  frame.chunks = chunks;
  frame.length = frameLength - headerLength;
  return frame;
}

/**
 * Wire protocol v1 constants. `docs/protocol.md` is the specification; this file is its code.
 */

/** The bytes a binary client sends first: `0x89 'P' 'I' 'E'`. 0x89 never starts a UTF-8 or telnet stream. */
export const MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x50, 0x49, 0x45);

/** The protocol version this build speaks. */
export const PROTOCOL_VERSION = 1;

/** Magic (4 bytes) followed by the version byte. */
export const PREAMBLE_LENGTH = MAGIC.length + 1;

/** Every frame starts with a u32 big-endian payload length and a u8 frame type. */
export const FRAME_HEADER_LENGTH = 5;

/** A data frame's payload starts with a u32 stream id and a u64 offset (two u32, high first). */
export const DATA_HEADER_LENGTH = 12;

/** Frame types (the byte after the length). */
export const FrameType = {
  /** UTF-8 JSON object with a string `t` naming the message. */
  Control: 0x01,
  /** Raw file bytes of one transfer stream. */
  Data: 0x02,
  /** Liveness probe; the payload (0–8 bytes) is echoed in the pong. */
  Ping: 0x03,
  /** Answer to a ping. */
  Pong: 0x04,
} as const;

/** One of the {@link FrameType} values. */
export type FrameTypeValue = (typeof FrameType)[keyof typeof FrameType];

/** Largest ping payload a peer may send. */
export const MAX_PING_PAYLOAD = 8;

/** Largest offset a data frame can carry (2^53 - 1, the largest exact JS integer). */
export const MAX_DATA_OFFSET = Number.MAX_SAFE_INTEGER;

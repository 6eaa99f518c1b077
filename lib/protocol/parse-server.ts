import { isErrorCode, PieChatError } from '../errors.js';
import type { ChatMessage, LeaveReason, ServerLimits } from '../types.js';
import {
  readCount,
  readEnum,
  readObject,
  readObjectArray,
  readOptionalBoolean,
  readOptionalCount,
  readOptionalString,
  readString,
  readStringArray,
  type WireObject,
} from './fields.js';
import { parseFileInfo } from './file-info.js';
import { parseCancel, parseCredit } from './parse-transfer.js';
import type { HistoryGap } from './messages.js';
import type { ByeMessage, ErrMessage, JoinMessage, LeaveMessage, MsgMessage, OkMessage, ServerMessage, WelcomeMessage } from './messages.js';

/** A server message after checking: a chat message arrives as a fresh {@link ChatMessage}. */
export type InboundServerMessage = Exclude<ServerMessage, MsgMessage> | { t: 'msg'; message: ChatMessage };

/** Every {@link LeaveReason}, for checking the wire. */
export const LEAVE_REASONS: ReadonlySet<string> = new Set<LeaveReason>([
  'left',
  'disconnected',
  'timeout',
  'error',
  'kicked',
  'shutdown',
  'slow-consumer',
]);

const MAX_LIST = 1_000_000;

/** Checks a chat message received from a server (a `msg` frame, or a history entry). */
export function parseChatMessage(object: WireObject): ChatMessage {
  const id = readString(object, 'id', 128);
  const seq = readCount(object, 'seq');
  const room = readOptionalString(object, 'room', 256);
  const to = readOptionalString(object, 'to', 256);
  const from = readString(object, 'from', 256);
  const text = readString(object, 'text', Number.MAX_SAFE_INTEGER);
  const at = readCount(object, 'at');
  // Built in one literal, fields in their documented order.
  const message: ChatMessage =
    room !== undefined ? { id, seq, room, from, text, at } : to !== undefined ? { id, seq, to, from, text, at } : { id, seq, from, text, at };
  if (readOptionalBoolean(object, 'system') === true) message.system = true;
  return message;
}

function parseLimits(object: WireObject): ServerLimits {
  return {
    maxFrameBytes: readCount(object, 'maxFrameBytes'),
    maxMessageBytes: readCount(object, 'maxMessageBytes'),
    maxFileBytes: readCount(object, 'maxFileBytes'),
    maxRoomsPerUser: readCount(object, 'maxRoomsPerUser'),
    heartbeatIntervalMs: readCount(object, 'heartbeatIntervalMs'),
    maxTransfers: readCount(object, 'maxTransfers'),
    maxMessagesPerSecond: readOptionalCount(object, 'maxMessagesPerSecond') ?? 0,
    messageBurst: readOptionalCount(object, 'messageBurst') ?? 0,
    maxUploadBytesPerSecond: readOptionalCount(object, 'maxUploadBytesPerSecond') ?? 0,
    frameTimeoutMs: readOptionalCount(object, 'frameTimeoutMs') ?? 0,
  };
}

function parseGap(object: WireObject): HistoryGap {
  const gap: HistoryGap = { after: readCount(object, 'after'), next: readCount(object, 'next') };
  const room = readOptionalString(object, 'room', 256);
  if (room !== undefined) gap.room = room;
  if (readOptionalBoolean(object, 'reset') === true) gap.reset = true;
  return gap;
}

function parseWelcome(object: WireObject): WelcomeMessage {
  return {
    t: 'welcome',
    v: readCount(object, 'v'),
    session: readString(object, 'session', 128),
    name: readString(object, 'name', 256),
    server: readString(object, 'server', 256),
    rooms: readStringArray(object, 'rooms', MAX_LIST, 256),
    limits: parseLimits(readObject(object, 'limits')),
    resumed: readOptionalBoolean(object, 'resumed') === true,
    gaps: object.gaps === undefined ? [] : readObjectArray(object, 'gaps', MAX_LIST).map(parseGap),
    seqs: object.seqs === undefined ? {} : parseSeqs(readObject(object, 'seqs')),
    ...(readOptionalCount(object, 'inbox') === undefined ? {} : { inbox: readCount(object, 'inbox') }),
    ...(readOptionalString(object, 'epoch', 128) === undefined ? {} : { epoch: readString(object, 'epoch', 128) }),
  };
}

/** Room → seq, into a fresh map (room names from the wire are only ever map keys). */
function parseSeqs(object: WireObject): Record<string, number> {
  const seqs: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const room of Object.keys(object)) seqs[room] = readCount(object, room);
  return seqs;
}

function parseErr(object: WireObject): ErrMessage {
  const code = object.code;
  // The message is only for people: any string is accepted, cut to a sane length.
  const err: ErrMessage = {
    t: 'err',
    code: isErrorCode(code) ? code : 'ERR_INTERNAL',
    message: readString(object, 'message', Number.MAX_SAFE_INTEGER).slice(0, 4096),
  };
  const r = readOptionalCount(object, 'r');
  if (r !== undefined) err.r = r;
  return err;
}

function parsePresence(object: WireObject, t: 'join'): JoinMessage;
function parsePresence(object: WireObject, t: 'leave'): LeaveMessage;
function parsePresence(object: WireObject, t: 'join' | 'leave'): JoinMessage | LeaveMessage {
  const room = readString(object, 'room', 256);
  const user = readString(object, 'user', 256);
  return t === 'join' ? { t, room, user } : { t, room, user, reason: readEnum<LeaveReason>(object, 'reason', LEAVE_REASONS) };
}

function parseBye(object: WireObject): ByeMessage {
  const bye: ByeMessage = {
    t: 'bye',
    reason: readEnum<LeaveReason>(object, 'reason', LEAVE_REASONS),
    message: readString(object, 'message', Number.MAX_SAFE_INTEGER).slice(0, 4096),
  };
  const retryAfterMs = readOptionalCount(object, 'retryAfterMs');
  if (retryAfterMs !== undefined) bye.retryAfterMs = retryAfterMs;
  return bye;
}

/**
 * Checks a message from the server. An `ok` keeps its raw fields: the request it answers knows
 * their shape and checks them (see the client's request table).
 */
export function parseServerMessage(object: WireObject): InboundServerMessage {
  switch (object.t) {
    case 'msg':
      return { t: 'msg', message: parseChatMessage(object) };
    case 'ok':
      readCount(object, 'r');
      return object as OkMessage;
    case 'err':
      return parseErr(object);
    case 'join':
      return parsePresence(object, 'join');
    case 'leave':
      return parsePresence(object, 'leave');
    case 'welcome':
      return parseWelcome(object);
    case 'bye':
      return parseBye(object);
    case 'file':
      return { t: 'file', file: parseFileInfo(readObject(object, 'file')) };
    case 'credit':
      return parseCredit(object);
    case 'cancel':
      return parseCancel(object);
    default:
      throw new PieChatError('ERR_PROTOCOL', `Unknown message type "${String(object.t).slice(0, 32)}"`);
  }
}

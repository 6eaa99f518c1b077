import { PieChatError } from '../errors.js';
import { readCount, readObject, readOptionalCount, readOptionalString, readString, type WireObject } from './fields.js';
import type { ClientNotice, ClientRequest, HelloMessage, ResumePoint } from './messages.js';
import { parseCancel, parseCredit, readStream } from './parse-transfer.js';

/** For fields whose limit the server checks with a specific error code (the frame limit bounds them here). */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;
/** Longest client-side transfer id. */
const MAX_TRANSFER_ID_LENGTH = 64;
/** Longest client-side message id. */
const MAX_CID_LENGTH = 64;

/**
 * Checks the first frame of a binary client. Only the fields PieChat knows are copied into a
 * fresh object; anything else in the frame is ignored.
 */
export function parseHello(object: WireObject): HelloMessage {
  if (object.t !== 'hello') throw new PieChatError('ERR_PROTOCOL', `Expected a hello, got "${String(object.t).slice(0, 32)}"`);
  // The name's length is checked by the hub, with ERR_INVALID_NAME; here only its type.
  const hello: HelloMessage = { t: 'hello', name: readString(object, 'name', UNBOUNDED) };
  const agent = readOptionalString(object, 'agent', 128);
  if (agent !== undefined) hello.agent = agent;
  const session = readOptionalString(object, 'session', 128);
  if (session !== undefined) hello.session = session;
  const token = readOptionalString(object, 'token', MAX_CREDENTIAL_LENGTH);
  if (token !== undefined) hello.token = token;
  const password = readOptionalString(object, 'password', MAX_CREDENTIAL_LENGTH);
  if (password !== undefined) hello.password = password;
  if (object.resume !== undefined && object.resume !== null) hello.resume = parseResumePoint(readObject(object, 'resume'));
  return hello;
}

/** Longest token or password a hello may carry. */
const MAX_CREDENTIAL_LENGTH = 4096;

/** Most rooms a resume point may name (more than any `maxRoomsPerUser` sensibly allows). */
const MAX_RESUME_ROOMS = 1024;

/**
 * Checks a resume point. Room names become keys of a fresh map (`__proto__` is just a name here);
 * each value must be a sequence number. Names themselves are checked when the rooms are joined.
 */
function parseResumePoint(object: WireObject): ResumePoint {
  const rooms: Record<string, number> = Object.create(null) as Record<string, number>;
  const given = readObject(object, 'rooms');
  const names = Object.keys(given);
  if (names.length > MAX_RESUME_ROOMS) throw new PieChatError('ERR_PROTOCOL', `Invalid resume point: more than ${MAX_RESUME_ROOMS} rooms`);
  for (const name of names) rooms[name] = readCount(given, name);
  const point: ResumePoint = { rooms };
  const inbox = readOptionalCount(object, 'inbox');
  if (inbox !== undefined) point.inbox = inbox;
  const epoch = readOptionalString(object, 'epoch', 128);
  if (epoch !== undefined) point.epoch = epoch;
  return point;
}

/** Reads the `room` or `to` of a message that needs exactly one of them. */
function readTarget(object: WireObject): { room: string } | { to: string } {
  const room = readOptionalString(object, 'room', UNBOUNDED);
  const to = readOptionalString(object, 'to', UNBOUNDED);
  if ((room === undefined) === (to === undefined)) {
    throw new PieChatError('ERR_PROTOCOL', `Invalid "${String(object.t)}" message: exactly one of \`room\` and \`to\` is required`);
  }
  return room !== undefined ? { room } : { to: to! };
}

/** True for the messages without an answer (`credit`, `cancel`, `bye`). */
export function isClientNotice(object: WireObject): boolean {
  return object.t === 'credit' || object.t === 'cancel' || object.t === 'bye';
}

/** Checks a `credit`, `cancel` or `bye` from a client. */
export function parseClientNotice(object: WireObject): ClientNotice {
  if (object.t === 'bye') return { t: 'bye' };
  return object.t === 'credit' ? parseCredit(object) : parseCancel(object);
}

/**
 * Checks a request from a client that has completed its handshake. Only shapes are checked here
 * (the frame limit already bounds sizes); limits such as the message length are the server's,
 * which refuses with a specific code and keeps the connection. Throws `ERR_PROTOCOL` for
 * anything malformed or unknown.
 */
export function parseClientRequest(object: WireObject): ClientRequest {
  const r = readCount(object, 'r');
  switch (object.t) {
    case 'send': {
      const cid = readOptionalString(object, 'cid', MAX_CID_LENGTH);
      const request: ClientRequest = { t: 'send', r, text: readString(object, 'text', UNBOUNDED), ...readTarget(object) };
      if (cid !== undefined) request.cid = cid;
      return request;
    }
    case 'join':
    case 'leave':
      return { t: object.t, r, room: readString(object, 'room', UNBOUNDED) };
    case 'users': {
      const room = readOptionalString(object, 'room', UNBOUNDED);
      return room === undefined ? { t: 'users', r } : { t: 'users', r, room };
    }
    case 'rooms':
      return { t: 'rooms', r };
    case 'upload': {
      const request: ClientRequest = {
        t: 'upload',
        r,
        stream: readStream(object),
        transfer: readString(object, 'transfer', MAX_TRANSFER_ID_LENGTH),
        name: readString(object, 'name', UNBOUNDED),
        size: readCount(object, 'size'),
        ...readTarget(object),
      };
      const resume = readOptionalString(object, 'resume', 64);
      if (resume !== undefined) request.resume = resume;
      return request;
    }
    case 'end':
      return { t: 'end', r, stream: readStream(object), sha256: readString(object, 'sha256', 64) };
    case 'download':
      return {
        t: 'download',
        r,
        stream: readStream(object),
        transfer: readString(object, 'transfer', MAX_TRANSFER_ID_LENGTH),
        // Checked by the server, which answers ERR_FILE_NOT_FOUND for anything that is not a known id.
        file: readString(object, 'file', UNBOUNDED),
        offset: readCount(object, 'offset'),
      };
    case 'files': {
      const room = readOptionalString(object, 'room', UNBOUNDED);
      return room === undefined ? { t: 'files', r } : { t: 'files', r, room };
    }
    default:
      throw new PieChatError('ERR_PROTOCOL', `Unknown message type "${String(object.t).slice(0, 32)}"`);
  }
}

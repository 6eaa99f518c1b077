import { PieChatError } from '../errors.js';
import { readCount, readOptionalString, readString, type WireObject } from './fields.js';
import type { ClientRequest, HelloMessage } from './messages.js';

/** Longest credential (token or password) accepted in a hello. */
const MAX_CREDENTIAL_LENGTH = 8192;
/** Longest client-side message id. */
const MAX_CID_LENGTH = 64;

/**
 * Checks the first frame of a binary client. Only the fields PieChat knows are copied into a
 * fresh object; anything else in the frame is ignored.
 */
export function parseHello(object: WireObject): HelloMessage {
  if (object.t !== 'hello') throw new PieChatError('ERR_PROTOCOL', `Expected a hello, got "${String(object.t).slice(0, 32)}"`);
  const hello: HelloMessage = { t: 'hello', name: readString(object, 'name', 256) };
  const token = readOptionalString(object, 'token', MAX_CREDENTIAL_LENGTH);
  if (token !== undefined) hello.token = token;
  const password = readOptionalString(object, 'password', MAX_CREDENTIAL_LENGTH);
  if (password !== undefined) hello.password = password;
  const session = readOptionalString(object, 'session', 128);
  if (session !== undefined) hello.session = session;
  const agent = readOptionalString(object, 'agent', 128);
  if (agent !== undefined) hello.agent = agent;
  return hello;
}

/**
 * Checks a request from a client that has completed its handshake. `maxTextLength` bounds the
 * text of a `send` (in characters; the byte limit is checked by the server with a clear error).
 * Throws `ERR_PROTOCOL` for anything malformed or unknown.
 */
export function parseClientRequest(object: WireObject, maxTextLength: number): ClientRequest {
  const r = readCount(object, 'r');
  switch (object.t) {
    case 'send': {
      const request: ClientRequest = { t: 'send', r, text: readString(object, 'text', maxTextLength) };
      const cid = readOptionalString(object, 'cid', MAX_CID_LENGTH);
      if (cid !== undefined) request.cid = cid;
      const room = readOptionalString(object, 'room', 256);
      const to = readOptionalString(object, 'to', 256);
      if ((room === undefined) === (to === undefined)) {
        throw new PieChatError('ERR_PROTOCOL', 'Invalid "send" message: exactly one of `room` and `to` is required');
      }
      if (room !== undefined) request.room = room;
      if (to !== undefined) request.to = to;
      return request;
    }
    case 'join':
    case 'leave':
      return { t: object.t, r, room: readString(object, 'room', 256) };
    case 'users': {
      const room = readOptionalString(object, 'room', 256);
      return room === undefined ? { t: 'users', r } : { t: 'users', r, room };
    }
    case 'rooms':
      return { t: 'rooms', r };
    default:
      throw new PieChatError('ERR_PROTOCOL', `Unknown message type "${String(object.t).slice(0, 32)}"`);
  }
}

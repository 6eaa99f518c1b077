import { PieChatError } from '../errors.js';
import { readCount, readOptionalString, readString, type WireObject } from './fields.js';
import type { ClientRequest, HelloMessage } from './messages.js';

/** For fields whose limit the hub checks with a specific error code (the frame limit bounds them here). */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

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
  return hello;
}

/**
 * Checks a request from a client that has completed its handshake. Only shapes are checked here
 * (the frame limit already bounds sizes); limits such as the message length are the hub's, which
 * refuses with a specific code and keeps the connection. Throws `ERR_PROTOCOL` for anything
 * malformed or unknown.
 */
export function parseClientRequest(object: WireObject): ClientRequest {
  const r = readCount(object, 'r');
  switch (object.t) {
    case 'send': {
      const request: ClientRequest = { t: 'send', r, text: readString(object, 'text', UNBOUNDED) };
      const room = readOptionalString(object, 'room', UNBOUNDED);
      const to = readOptionalString(object, 'to', UNBOUNDED);
      if ((room === undefined) === (to === undefined)) {
        throw new PieChatError('ERR_PROTOCOL', 'Invalid "send" message: exactly one of `room` and `to` is required');
      }
      if (room !== undefined) request.room = room;
      if (to !== undefined) request.to = to;
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
    default:
      throw new PieChatError('ERR_PROTOCOL', `Unknown message type "${String(object.t).slice(0, 32)}"`);
  }
}

import type { ChatRequest } from '../protocol/messages.js';
import type { Hub } from './hub.js';
import type { Member } from './member.js';

/** Answers one request; the returned fields go into the `ok` reply. Throws a `PieChatError` to refuse it. */
export type RequestHandler<R extends ChatRequest> = (hub: Hub, member: Member, request: R) => object;

type HandlerTable = { [T in ChatRequest['t']]: RequestHandler<Extract<ChatRequest, { t: T }>> };

/** The chat requests of protocol v1, by message type. */
export const CHAT_REQUESTS: HandlerTable = {
  send(hub, member, request) {
    const message =
      request.room === undefined ? hub.whisper(member, request.to!, request.text, request.cid) : hub.say(member, request.room, request.text, request.cid);
    return message.to === undefined ? { id: message.id, seq: message.seq, at: message.at } : { id: message.id, seq: message.seq, at: message.at, to: message.to };
  },
  join(hub, member, request) {
    // The room's seq before the join: the client's starting point for resuming (what a join
    // listener says at once comes after it).
    const seq = hub.lastSeq(request.room);
    return { room: request.room, users: hub.join(member, request.room), seq };
  },
  leave(hub, member, request) {
    hub.leave(member, request.room);
    return { room: request.room };
  },
  users(hub, _member, request) {
    return { users: hub.userNames(request.room) };
  },
  rooms(hub) {
    return { rooms: hub.rooms() };
  },
};

import type { ChatRequest } from '../protocol/messages.js';
import type { Hub, MessageReceipt } from './hub.js';
import type { Member } from './member.js';

/**
 * Answers one request; the returned fields go into the `ok` reply. Throws (or rejects) with a
 * `PieChatError` to refuse it. Answers are promises only where a cluster is involved.
 */
export type RequestHandler<R extends ChatRequest> = (hub: Hub, member: Member, request: R) => object | Promise<object>;

/** The fields of a send's `ok`. */
function receiptFields(receipt: MessageReceipt): object {
  return receipt.to === undefined ? { id: receipt.id, seq: receipt.seq, at: receipt.at } : { id: receipt.id, seq: receipt.seq, at: receipt.at, to: receipt.to };
}

type HandlerTable = { [T in ChatRequest['t']]: RequestHandler<Extract<ChatRequest, { t: T }>> };

/** The chat requests of protocol v1, by message type. */
export const CHAT_REQUESTS: HandlerTable = {
  send(hub, member, request) {
    const receipt =
      request.room === undefined ? hub.whisper(member, request.to!, request.text, request.cid) : hub.say(member, request.room, request.text, request.cid);
    return receipt instanceof Promise ? receipt.then(receiptFields) : receiptFields(receipt);
  },
  join(hub, member, request) {
    // The room's seq before the join: the client's starting point for resuming (what a join
    // listener says at once comes after it).
    if (!hub.clustered) {
      const seq = hub.lastSeq(request.room);
      return { room: request.room, users: hub.join(member, request.room), seq };
    }
    return hub.lastSeqShared(request.room).then((seq) => ({ room: request.room, users: hub.join(member, request.room), seq }));
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

import { DEDUPLICATION_MEMORY } from '../defaults.js';
import { PieChatError } from '../errors.js';
import type { HistoryGap, ResumePoint } from '../protocol/messages.js';
import type { HistoryStore } from '../stores/history-store.js';
import type { ChatMessage, FileInfo, JoinEvent, LeaveEvent, LeaveReason, RoomInfo, UserInfo } from '../types.js';
import { createIdFactory } from '../util/ids.js';
import { assertRoomName, assertUserName, nameKey, quote } from '../util/names.js';
import { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import type { Authorizer } from './authentication.js';
import type { Member } from './member.js';
import { TokenBucket } from '../util/token-bucket.js';

/** What the hub reports to the server that owns it. */
export interface HubObserver {
  onJoin(event: JoinEvent): void;
  onLeave(event: LeaveEvent): void;
  onMessage(message: ChatMessage): void;
  onFile(file: FileInfo): void;
}

/** The limits the hub enforces. */
export interface HubLimits {
  serverName: string;
  defaultRooms: readonly string[];
  maxClients: number;
  maxMessageBytes: number;
  maxRoomsPerUser: number;
  maxNameLength: number;
}

/** Who may do what, and how fast: the `authorize` hook and the message rate limit. */
export interface HubPolicy {
  authorizer: Authorizer;
  /** Average messages per second per member (0: no limit). */
  maxMessagesPerSecond: number;
  /** Messages per member in a burst. */
  messageBurst: number;
}

/** A room and its members. Its numbering lives in the history, so it outlives the room. */
interface Room {
  readonly name: string;
  readonly members: Set<Member>;
}

/** The history key of a user's private inbox. */
export function inboxKey(name: string): string {
  return `@${nameKey(name)}`;
}

/** What a resuming client is sent after its welcome: the gaps, then the messages it missed. */
export interface Replay {
  gaps: HistoryGap[];
  messages: ChatMessage[];
}

/** What the sender of a message learns when it is accepted: the stamps the server gave it. */
export interface MessageReceipt {
  /** The message's id. */
  id: string;
  /** Its number in its room or inbox. */
  seq: number;
  /** When the server accepted it (ms since the epoch). */
  at: number;
  /** The recipient's name as the server knows it, for a private message. */
  to?: string;
}

/** Bytes a replayed message takes in the output buffer, about: its text and its fields. */
function replayCost(message: ChatMessage): number {
  return Buffer.byteLength(message.text) + 256;
}

/**
 * The chat itself, independent of sockets: who is online, who is in which room, and the routing
 * of messages, joins and leaves. Every rule (unique names, membership, limits) is enforced here,
 * so binary and line-mode users obey the same ones.
 */
export class Hub {
  readonly #limits: HubLimits;
  readonly #observer: HubObserver;
  readonly #users = new Map<string, Member>();
  readonly #rooms = new Map<string, Room>();
  readonly #nextId = createIdFactory();
  readonly #history: HistoryStore;
  readonly #policy: HubPolicy;
  /** Each member's message allowance (when messages are rate-limited). */
  readonly #buckets = new WeakMap<Member, TokenBucket>();
  /** Receipts of each session's recent messages by client-side id, to answer a retransmit with the first answer. */
  readonly #accepted = new WeakMap<Member, Map<string, MessageReceipt>>();
  #lineMembers = 0;

  constructor(limits: HubLimits, observer: HubObserver, history: HistoryStore, policy: HubPolicy) {
    this.#limits = limits;
    this.#policy = policy;
    this.#observer = observer;
    this.#history = history;
  }

  /** Names the history's numbering (see {@link HistoryStore.epoch}). */
  get epoch(): string {
    return this.#history.epoch;
  }

  /** The `seq` of the last message in a room (or an inbox key, see {@link inboxKey}). */
  lastSeq(key: string): number {
    return this.#history.lastSeq(key);
  }

  /** Number of admitted users. */
  get size(): number {
    return this.#users.size;
  }

  /** Finds a user by name, case-insensitively. */
  find(name: string): Member | undefined {
    return this.#users.get(nameKey(name));
  }

  /**
   * Checks that `name` could be admitted now: valid, not the server's, not taken, and the
   * server not full. Throws `ERR_INVALID_NAME`, `ERR_NAME_TAKEN` or `ERR_SERVER_FULL`.
   */
  checkAdmission(name: string): void {
    assertUserName(name, this.#limits.maxNameLength);
    const key = nameKey(name);
    if (key === nameKey(this.#limits.serverName) || this.#users.has(key)) {
      throw new PieChatError('ERR_NAME_TAKEN', `The name ${quote(name)} is taken`);
    }
    if (this.#users.size >= this.#limits.maxClients) {
      throw new PieChatError('ERR_SERVER_FULL', `The server is full (${this.#limits.maxClients} users)`);
    }
  }

  /**
   * Admits a member: it is online from now on. Throws like {@link checkAdmission}. The default
   * rooms are joined by {@link joinDefaultRooms}, after the server announced the arrival.
   */
  admit(member: Member): void {
    this.checkAdmission(member.name);
    this.#users.set(nameKey(member.name), member);
    if (member.mode === 'line') this.#lineMembers++;
  }

  /** Puts a newly admitted member in the default rooms (they fit `maxRoomsPerUser`: the options check it). */
  joinDefaultRooms(member: Member): void {
    for (const room of this.#limits.defaultRooms) {
      try {
        this.join(member, room);
      } catch (error) {
        // A default room the `authorize` hook keeps this user out of is skipped.
        if (!(error instanceof PieChatError && error.code === 'ERR_FORBIDDEN')) throw error;
      }
    }
  }

  /** Removes a member from every room (telling the others why) and from the server. */
  remove(member: Member, reason: LeaveReason): void {
    const key = nameKey(member.name);
    if (this.#users.get(key) !== member) return;
    const rooms = [...member.rooms];
    for (const room of rooms) this.#leave(member, room, reason);
    this.#users.delete(key);
    if (member.mode === 'line') this.#lineMembers--;
    if (this.#lineMembers > 0) this.#announceOffline(member, rooms, reason);
  }

  /** Adds `member` to `roomName`, creating it; returns the members' names. Joining twice is harmless. */
  join(member: Member, roomName: string): string[] {
    assertRoomName(roomName);
    let room = this.#rooms.get(roomName);
    if (room?.members.has(member)) return names(room.members);
    if (member.rooms.size >= this.#limits.maxRoomsPerUser) {
      throw new PieChatError('ERR_TOO_MANY_ROOMS', `Already in ${this.#limits.maxRoomsPerUser} rooms, the most allowed`);
    }
    this.#policy.authorizer.check(member, { type: 'join', room: roomName, allowed: true }, `Not allowed to join ${quote(roomName)}`);
    if (room === undefined) {
      room = { name: roomName, members: new Set() };
      this.#rooms.set(roomName, room);
    }
    const event: JoinEvent = { room: roomName, user: member.name };
    if (room.members.size > 0) {
      const delivery = new JoinDelivery(event);
      for (const other of room.members) other.deliverJoin(delivery);
    }
    room.members.add(member);
    member.rooms.add(roomName);
    this.#observer.onJoin(event);
    return names(room.members);
  }

  /** Removes `member` from `roomName`. Throws `ERR_NOT_IN_ROOM` if it is not there. */
  leave(member: Member, roomName: string): void {
    if (!member.rooms.has(roomName)) throw notInRoom(roomName);
    this.#leave(member, roomName, 'left');
  }

  /**
   * Sends `text` from `member` to a room it is in; returns the stamped message. With `cid`, a
   * retransmit of a message already accepted returns it again and delivers nothing.
   */
  say(member: Member, roomName: string, text: string, cid?: string): MessageReceipt {
    const accepted = this.#retransmit(member, cid);
    if (accepted !== undefined) return accepted;
    const room = this.#rooms.get(roomName);
    if (room === undefined || !room.members.has(member)) throw notInRoom(roomName);
    this.#checkText(text);
    this.#spend(member);
    // Checked only with a hook: the hot path builds nothing for the defaults.
    if (this.#policy.authorizer.active) this.#policy.authorizer.check(member, { type: 'send', room: roomName, allowed: true }, `Not allowed to send to ${quote(roomName)}`);
    const message: ChatMessage = { id: this.#nextId(), seq: this.#history.lastSeq(roomName) + 1, room: roomName, from: member.name, text, at: Date.now() };
    this.#history.append(roomName, message);
    this.#remember(member, cid, message);
    const delivery = new MessageDelivery(message);
    for (const other of room.members) if (other !== member) other.deliverMessage(delivery);
    this.#observer.onMessage(message);
    return message;
  }

  /** Sends `text` from `member` privately to the user named `to`; returns the stamped message. `cid` as for {@link say}. */
  whisper(member: Member, to: string, text: string, cid?: string): MessageReceipt {
    const accepted = this.#retransmit(member, cid);
    if (accepted !== undefined) return accepted;
    const recipient = this.find(to);
    if (recipient === undefined) throw new PieChatError('ERR_UNKNOWN_USER', `No user named ${quote(to)} is online`);
    if (recipient === member) throw new PieChatError('ERR_INVALID_MESSAGE', 'A private message needs another user');
    this.#checkText(text);
    this.#spend(member);
    if (this.#policy.authorizer.active) this.#policy.authorizer.check(member, { type: 'send', to: recipient.name, allowed: true }, `Not allowed to send to ${quote(recipient.name)}`);
    const key = inboxKey(recipient.name);
    const message: ChatMessage = { id: this.#nextId(), seq: this.#history.lastSeq(key) + 1, to: recipient.name, from: member.name, text, at: Date.now() };
    this.#history.append(key, message);
    this.#remember(member, cid, message);
    recipient.deliverMessage(new MessageDelivery(message));
    this.#observer.onMessage(message);
    return message;
  }

  /**
   * Puts a resuming member back in the rooms it names (those it is not in yet: a new session
   * after its old one expired), and collects what it missed there since the `seq`s it gives, and
   * in its private inbox when `inbox` (only a session that was taken over may read its inbox: a
   * new one under the same name is not the same user). Rooms it can no longer join are skipped.
   * A resume point from another numbering (another `epoch`: the history was lost) gets everything
   * the history holds, with a `reset` gap. The replay is kept within `budgetBytes`, each room
   * getting its share: what does not fit is reported as a gap, like what the history no longer has.
   */
  resume(member: Member, point: ResumePoint, inbox: boolean, budgetBytes: number): Replay {
    const sameNumbering = point.epoch === undefined || point.epoch === this.#history.epoch;
    const ranges: Array<{ key: string; room: string | undefined; seq: number }> = [];
    for (const [room, seq] of Object.entries(point.rooms)) {
      if (!member.rooms.has(room)) {
        try {
          this.join(member, room);
        } catch {
          continue;
        }
      }
      ranges.push({ key: room, room, seq });
    }
    if (inbox && point.inbox !== undefined) ranges.push({ key: inboxKey(member.name), room: undefined, seq: point.inbox });
    const replay: Replay = { gaps: [], messages: [] };
    const share = Math.floor(budgetBytes / Math.max(1, ranges.length));
    for (const { key, room, seq } of ranges) this.#collect(replay, key, seq, room, sameNumbering, share);
    return replay;
  }

  #collect(replay: Replay, key: string, seq: number, room: string | undefined, sameNumbering: boolean, budgetBytes: number): void {
    const range = this.#history.since(key, sameNumbering ? seq : 0);
    let gap: HistoryGap | undefined;
    if (!sameNumbering) {
      if (seq > 0) gap = { after: seq, next: range.messages[0]?.seq ?? this.#history.lastSeq(key) + 1, reset: true };
    } else if (range.gap !== undefined) {
      gap = { after: seq, next: range.gap.next };
      if (range.gap.reset === true) gap.reset = true;
    }
    // The newest messages that fit the budget; older ones become (or widen) the gap.
    let first = range.messages.length;
    for (let spent = 0; first > 0; first--) {
      spent += replayCost(range.messages[first - 1]!);
      if (spent > budgetBytes) break;
    }
    if (first > 0) {
      const next = range.messages[first]?.seq ?? this.#history.lastSeq(key) + 1;
      gap = gap?.reset === true ? { ...gap, next } : { after: seq, next };
    }
    if (gap !== undefined) {
      if (room !== undefined) gap.room = room;
      replay.gaps.push(gap);
    }
    for (let index = first; index < range.messages.length; index++) replay.messages.push(range.messages[index]!);
  }

  /** Takes one message from `member`'s allowance; throws `ERR_RATE_LIMITED` when it is spent. */
  #spend(member: Member): void {
    const { maxMessagesPerSecond, messageBurst } = this.#policy;
    if (maxMessagesPerSecond === 0) return;
    let bucket = this.#buckets.get(member);
    if (bucket === undefined) this.#buckets.set(member, (bucket = new TokenBucket(maxMessagesPerSecond, messageBurst)));
    if (!bucket.take()) {
      throw new PieChatError('ERR_RATE_LIMITED', `Too many messages: at most ${maxMessagesPerSecond} per second (bursts of ${messageBurst}); try again in ${bucket.msUntil(1)} ms`);
    }
  }

  /** The message already accepted from `member` under `cid`, if any. */
  #retransmit(member: Member, cid: string | undefined): MessageReceipt | undefined {
    return cid === undefined ? undefined : this.#accepted.get(member)?.get(cid);
  }

  /**
   * Remembers the receipt of an accepted message by its client-side id (not its text: a bounded
   * memory of small records, oldest forgotten first).
   */
  #remember(member: Member, cid: string | undefined, message: ChatMessage): void {
    if (cid === undefined) return;
    const receipt: MessageReceipt = { id: message.id, seq: message.seq, at: message.at };
    if (message.to !== undefined) receipt.to = message.to;
    let receipts = this.#accepted.get(member);
    if (receipts === undefined) this.#accepted.set(member, (receipts = new Map()));
    receipts.set(cid, receipt);
    if (receipts.size > DEDUPLICATION_MEMORY) receipts.delete(receipts.keys().next().value!);
  }

  /**
   * Sends a system message from the server to one room, or to every room with members when
   * `roomName` is undefined. Returns the messages sent.
   */
  broadcast(text: string, roomName?: string): ChatMessage[] {
    this.#checkText(text);
    const rooms = roomName === undefined ? [...this.#rooms.values()] : [this.#rooms.get(roomName)];
    const sent: ChatMessage[] = [];
    for (const room of rooms) {
      if (room === undefined || room.members.size === 0) continue;
      const message: ChatMessage = {
        id: this.#nextId(),
        seq: this.#history.lastSeq(room.name) + 1,
        room: room.name,
        from: this.#limits.serverName,
        text,
        at: Date.now(),
        system: true,
      };
      this.#history.append(room.name, message);
      const delivery = new MessageDelivery(message);
      for (const member of room.members) member.deliverMessage(delivery);
      this.#observer.onMessage(message);
      sent.push(message);
    }
    return sent;
  }

  /**
   * Announces a stored file to the members of its room (but its uploader) or to its recipient,
   * if online, and to the server.
   */
  announceFile(file: FileInfo, uploader: Member): void {
    const delivery = new FileDelivery(file);
    if (file.room !== undefined) {
      const room = this.#rooms.get(file.room);
      if (room !== undefined) for (const member of room.members) if (member !== uploader) member.deliverFile(delivery);
    } else if (file.to !== undefined) {
      this.find(file.to)?.deliverFile(delivery);
    }
    this.#observer.onFile(file);
  }

  /** Names of the members of `roomName`, or of every user when undefined. */
  userNames(roomName?: string): string[] {
    if (roomName === undefined) return [...this.#users.values()].map((member) => member.name);
    const room = this.#rooms.get(roomName);
    return room === undefined ? [] : names(room.members);
  }

  /** Every user with the rooms it is in. */
  users(): UserInfo[] {
    return [...this.#users.values()].map((member) => ({
      name: member.name,
      rooms: [...member.rooms],
      mode: member.mode,
      address: member.address,
      connectedAt: member.connectedAt,
    }));
  }

  /** Every room that has members. */
  rooms(): RoomInfo[] {
    const rooms: RoomInfo[] = [];
    for (const room of this.#rooms.values()) {
      if (room.members.size > 0) rooms.push({ name: room.name, users: names(room.members) });
    }
    return rooms;
  }

  #leave(member: Member, roomName: string, reason: LeaveReason): void {
    const room = this.#rooms.get(roomName);
    member.rooms.delete(roomName);
    if (room === undefined) return;
    room.members.delete(member);
    const event: LeaveEvent = { room: roomName, user: member.name, reason };
    if (room.members.size > 0) {
      const delivery = new LeaveDelivery(event);
      for (const other of room.members) other.deliverLeave(delivery);
    } else if (!this.#limits.defaultRooms.includes(roomName)) {
      this.#rooms.delete(roomName);
    }
    this.#observer.onLeave(event);
  }

  /** Tells each line-mode user who shared a room with `member` that it went offline, once. */
  #announceOffline(member: Member, rooms: readonly string[], reason: LeaveReason): void {
    const told = new Set<Member>();
    for (const roomName of rooms) {
      const room = this.#rooms.get(roomName);
      if (room === undefined) continue;
      for (const other of room.members) {
        if (other.mode !== 'line' || told.has(other)) continue;
        told.add(other);
        other.deliverOffline(member.name, reason);
      }
    }
  }

  #checkText(text: string): void {
    if (text.length === 0) throw new PieChatError('ERR_INVALID_MESSAGE', 'A message needs some text');
    // Only long texts can exceed the byte limit: a character is at most 3 UTF-8 bytes per UTF-16 unit.
    if (text.length * 3 > this.#limits.maxMessageBytes && Buffer.byteLength(text) > this.#limits.maxMessageBytes) {
      throw new PieChatError('ERR_MESSAGE_TOO_LONG', `Message is longer than ${this.#limits.maxMessageBytes} bytes`);
    }
  }
}

function names(members: Iterable<Member>): string[] {
  const list: string[] = [];
  for (const member of members) list.push(member.name);
  return list;
}

function notInRoom(room: string): PieChatError {
  return new PieChatError('ERR_NOT_IN_ROOM', `Not in room ${quote(room)}`);
}

import { PieChatError } from '../errors.js';
import type { ResumePoint } from '../protocol/messages.js';
import type { HistoryStore } from '../stores/history-store.js';
import type { ChatMessage, FileInfo, JoinEvent, LeaveEvent, LeaveReason, RoomInfo, UserInfo } from '../types.js';
import { createIdFactory } from '../util/ids.js';
import { assertRoomName, assertUserName, nameKey, quote } from '../util/names.js';
import { FileDelivery, JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import type { ClusterAdapter, ClusterEvent, ClusterUser, MessageDraft } from '../cluster/adapter.js';
import type { Authorizer } from './authentication.js';
import { ClusterRelay } from './cluster-relay.js';
import { RemoteUsers } from './remote-users.js';
import { SenderLedger, type MessageReceipt } from './sender-ledger.js';
export type { MessageReceipt } from './sender-ledger.js';
import { collectRange, type Replay } from './replay.js';
import type { Member } from './member.js';

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
  /** Each session's message allowance and recent receipts. */
  readonly #ledger: SenderLedger;
  #lineMembers = 0;
  /** With a cluster adapter: the link to the other nodes. */
  #relay: ClusterRelay | undefined;

  constructor(limits: HubLimits, observer: HubObserver, history: HistoryStore, policy: HubPolicy) {
    this.#limits = limits;
    this.#policy = policy;
    this.#ledger = new SenderLedger(policy.maxMessagesPerSecond, policy.messageBurst);
    this.#observer = observer;
    this.#history = history;
  }

  /** Names the history's numbering (see {@link HistoryStore.epoch}). */
  get epoch(): string {
    return this.#relay?.epoch ?? this.#history.epoch;
  }

  /** Whether rooms span several nodes (a cluster adapter is in use): history and numbering are then shared. */
  get clustered(): boolean {
    return this.#relay !== undefined;
  }

  /** The users of the other nodes of the cluster (none without one). */
  get remote(): RemoteUsers {
    return this.#relay?.remote ?? NO_REMOTE_USERS;
  }

  /**
   * Joins a cluster: from now on messages are numbered and recorded by `adapter`, and what local
   * users do is published; `users` are those already online on other nodes. `report` hears of
   * publications that failed.
   */
  useCluster(adapter: ClusterAdapter, epoch: string, users: ClusterUser[], report: (error: unknown) => void): void {
    this.#relay = new ClusterRelay(
      adapter,
      epoch,
      users,
      {
        roomMembers: (room) => this.#rooms.get(room)?.members,
        find: (name) => this.find(name),
        deliverFile: (file, uploader) => this.#deliverFile(file, uploader),
        onMessage: (message) => this.#observer.onMessage(message),
        onFile: (file) => this.#observer.onFile(file),
      },
      report,
    );
  }

  /** Applies an event of the cluster (see {@link ClusterRelay.apply}). */
  clusterEvent(event: ClusterEvent): void {
    this.#relay?.apply(event);
  }

  /** The last `seq` of `key`, from the shared history in a cluster. */
  lastSeqShared(key: string): Promise<number> {
    return this.#relay === undefined ? Promise.resolve(this.#history.lastSeq(key)) : this.#relay.adapter.lastSeq(key);
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
    // In a cluster, names held on other nodes are checked by the cluster's claim (which lets a
    // client failing over from a dead node take its name back).
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
    this.#relay?.arrived(member.name);
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
    for (const room of rooms) this.#leave(member, room, reason, false);
    this.#users.delete(key);
    this.#relay?.publish({ type: 'offline', user: member.name, rooms, reason });
    if (member.mode === 'line') this.#lineMembers--;
    if (this.#lineMembers > 0) this.#announceOffline(member, rooms, reason);
  }

  /** Adds `member` to `roomName`, creating it; returns the members' names. Joining twice is harmless. */
  join(member: Member, roomName: string): string[] {
    assertRoomName(roomName);
    let room = this.#rooms.get(roomName);
    if (room?.members.has(member)) return this.#memberNames(room);
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
    this.#relay?.publish({ type: 'join', user: member.name, room: roomName });
    return this.#memberNames(room);
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
  say(member: Member, roomName: string, text: string, cid?: string): MessageReceipt | Promise<MessageReceipt> {
    const accepted = this.#ledger.retransmit(member, cid);
    if (accepted !== undefined) return accepted;
    const room = this.#rooms.get(roomName);
    if (room === undefined || !room.members.has(member)) throw notInRoom(roomName);
    this.#checkText(text);
    this.#ledger.spend(member);
    // Checked only with a hook: the hot path builds nothing for the defaults.
    if (this.#policy.authorizer.active) this.#policy.authorizer.check(member, { type: 'send', room: roomName, allowed: true }, `Not allowed to send to ${quote(roomName)}`);
    if (this.#relay !== undefined) return this.#sendShared(member, cid, roomName, { id: this.#nextId(), room: roomName, from: member.name, text, at: Date.now() });
    const message: ChatMessage = { id: this.#nextId(), seq: this.#history.lastSeq(roomName) + 1, room: roomName, from: member.name, text, at: Date.now() };
    this.#history.append(roomName, message);
    this.#ledger.remember(member, cid, message);
    const delivery = new MessageDelivery(message);
    for (const other of room.members) if (other !== member) other.deliverMessage(delivery);
    this.#observer.onMessage(message);
    return message;
  }

  /** Sends `text` from `member` privately to the user named `to`; returns the stamped message. `cid` as for {@link say}. */
  whisper(member: Member, to: string, text: string, cid?: string): MessageReceipt | Promise<MessageReceipt> {
    const accepted = this.#ledger.retransmit(member, cid);
    if (accepted !== undefined) return accepted;
    const local = this.find(to);
    // In a cluster the recipient may be on another node; either way the cluster delivers it.
    const name = local?.name ?? this.remote.get(to)?.name;
    if (name === undefined) throw new PieChatError('ERR_UNKNOWN_USER', `No user named ${quote(to)} is online`);
    if (local === member) throw new PieChatError('ERR_INVALID_MESSAGE', 'A private message needs another user');
    this.#checkText(text);
    this.#ledger.spend(member);
    if (this.#policy.authorizer.active) this.#policy.authorizer.check(member, { type: 'send', to: name, allowed: true }, `Not allowed to send to ${quote(name)}`);
    const key = inboxKey(name);
    if (this.#relay !== undefined || local === undefined) return this.#sendShared(member, cid, key, { id: this.#nextId(), to: name, from: member.name, text, at: Date.now() });
    const recipient = local;
    const message: ChatMessage = { id: this.#nextId(), seq: this.#history.lastSeq(key) + 1, to: recipient.name, from: member.name, text, at: Date.now() };
    this.#history.append(key, message);
    this.#ledger.remember(member, cid, message);
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
    const { ranges, sameNumbering, share } = this.#rejoin(member, point, inbox, budgetBytes);
    const replay: Replay = { gaps: [], messages: [] };
    for (const range of ranges) collectRange(replay, range, this.#history.since(range.key, sameNumbering ? range.seq : 0), this.#history.lastSeq(range.key), sameNumbering, share);
    return replay;
  }

  /** {@link resume} in a cluster: the same, from the shared history. */
  async resumeShared(member: Member, point: ResumePoint, inbox: boolean, budgetBytes: number): Promise<Replay> {
    const adapter = this.#relay!.adapter;
    const { ranges, sameNumbering, share } = this.#rejoin(member, point, inbox, budgetBytes);
    const fetched = await Promise.all(ranges.map(({ key, seq }) => Promise.all([adapter.since(key, sameNumbering ? seq : 0), adapter.lastSeq(key)])));
    const replay: Replay = { gaps: [], messages: [] };
    ranges.forEach((range, index) => collectRange(replay, range, fetched[index]![0], fetched[index]![1], sameNumbering, share));
    return replay;
  }

  /** Puts a resuming member back in the rooms it names; returns what to collect for it. */
  #rejoin(member: Member, point: ResumePoint, inbox: boolean, budgetBytes: number) {
    const sameNumbering = point.epoch === undefined || point.epoch === this.epoch;
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
    return { ranges, sameNumbering, share: Math.floor(budgetBytes / Math.max(1, ranges.length)) };
  }

  /**
   * Sends a system message from the server to one room, or to every room with members when
   * `roomName` is undefined. Returns the messages sent.
   */
  broadcast(text: string, roomName?: string): ChatMessage[] {
    this.#checkText(text);
    const rooms = roomName === undefined ? [...this.#rooms.values()] : [this.#rooms.get(roomName)];
    const sent: ChatMessage[] = [];
    const relay = this.#relay;
    if (relay !== undefined) {
      // Numbered by the cluster: delivered (and reported) when it comes back.
      for (const room of rooms) {
        if (room === undefined || (room.members.size === 0 && this.remote.namesIn(room.name).length === 0)) continue;
        relay.post(room.name, { id: this.#nextId(), room: room.name, from: this.#limits.serverName, text, at: Date.now(), system: true });
      }
      return sent;
    }
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
    if (this.#relay !== undefined) {
      this.#relay.publish({ type: 'file', file });
      return;
    }
    this.#deliverFile(file, uploader.name);
    this.#observer.onFile(file);
  }

  /** Tells the local members of a file's room (but its uploader, when local) or its recipient. */
  #deliverFile(file: FileInfo, uploader: string | undefined): void {
    const delivery = new FileDelivery(file);
    if (file.room !== undefined) {
      const room = this.#rooms.get(file.room);
      if (room !== undefined) for (const member of room.members) if (member.name !== uploader) member.deliverFile(delivery);
    } else if (file.to !== undefined) {
      this.find(file.to)?.deliverFile(delivery);
    }
  }

  /** Names of the members of `roomName`, or of every user when undefined. */
  userNames(roomName?: string): string[] {
    if (roomName === undefined) return [...[...this.#users.values()].map((member) => member.name), ...this.remote.all().map((user) => user.name)];
    const room = this.#rooms.get(roomName);
    return room === undefined ? this.remote.namesIn(roomName) : this.#memberNames(room);
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
      if (room.members.size > 0 || this.remote.namesIn(room.name).length > 0) rooms.push({ name: room.name, users: this.#memberNames(room) });
    }
    for (const name of this.remote.roomNames()) if (!this.#rooms.has(name)) rooms.push({ name, users: this.remote.namesIn(name) });
    return rooms;
  }

  /** Local and (in a cluster) remote members of `room`. */
  #memberNames(room: Room): string[] {
    const local = names(room.members);
    return this.#relay === undefined ? local : [...local, ...this.remote.namesIn(room.name)];
  }

  /** Sends a message through the cluster; answers with its receipt once it came back here. */
  async #sendShared(member: Member, cid: string | undefined, key: string, draft: MessageDraft): Promise<MessageReceipt> {
    return this.#ledger.remember(member, cid, await this.#relay!.send(key, draft));
  }

  #leave(member: Member, roomName: string, reason: LeaveReason, publish = true): void {
    const room = this.#rooms.get(roomName);
    member.rooms.delete(roomName);
    if (publish) this.#relay?.publish({ type: 'leave', user: member.name, room: roomName, reason });
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

/** The remote users of a node without a cluster: none. */
const NO_REMOTE_USERS = new RemoteUsers();

function names(members: Iterable<Member>): string[] {
  const list: string[] = [];
  for (const member of members) list.push(member.name);
  return list;
}

function notInRoom(room: string): PieChatError {
  return new PieChatError('ERR_NOT_IN_ROOM', `Not in room ${quote(room)}`);
}

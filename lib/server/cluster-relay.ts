import type { ClusterAdapter, ClusterEvent, ClusterUser, MessageDraft } from '../cluster/adapter.js';
import type { ChatMessage, FileInfo, LeaveReason } from '../types.js';
import { JoinDelivery, LeaveDelivery, MessageDelivery } from './delivery.js';
import type { Member } from './member.js';
import { RemoteUsers } from './remote-users.js';

/** Longest wait for a message sent through the cluster to come back before it is acknowledged anyway. */
const OWN_MESSAGE_WAIT_MS = 5_000;

/** What the relay needs of the hub: its local rooms and users, and the server's events. */
export interface RelayHost {
  /** The local members of `room`, if it has any here. */
  roomMembers(room: string): Iterable<Member> | undefined;
  /** The local user named `name`. */
  find(name: string): Member | undefined;
  /** Tells the local users concerned of a stored file (all but `uploader`). */
  deliverFile(file: FileInfo, uploader: string | undefined): void;
  /** A message of a local user went through (the server's `message` event). */
  onMessage(message: ChatMessage): void;
  /** A file of a local user was announced (the server's `file` event). */
  onFile(file: FileInfo): void;
}

/** An event of this node, before the relay stamps it with the node's id. */
export type LocalEvent = DistributiveOmit<Exclude<ClusterEvent, { type: 'message' }>, 'node'>;

/**
 * A node's link to its cluster: it publishes what local users do, sends messages to be numbered
 * once cluster-wide, and applies the cluster's events (from every node, this one included, in
 * one order) to the local users, keeping a replica of the other nodes' users.
 */
export class ClusterRelay {
  readonly adapter: ClusterAdapter;
  /** The shared history's epoch. */
  readonly epoch: string;
  /** The users of the other nodes. */
  readonly remote = new RemoteUsers();
  readonly #host: RelayHost;
  readonly #report: (error: unknown) => void;
  /** Messages of local users sent through the cluster, waiting to come back (by id). */
  readonly #ownPending = new Map<string, () => void>();

  /** `users` are those already online elsewhere; `report` hears of publications that failed. */
  constructor(adapter: ClusterAdapter, epoch: string, users: ClusterUser[], host: RelayHost, report: (error: unknown) => void) {
    this.adapter = adapter;
    this.epoch = epoch;
    this.#host = host;
    this.#report = report;
    for (const user of users) this.remote.add(user);
  }

  /** Publishes what a local user did to the other nodes. */
  publish(event: LocalEvent): void {
    this.adapter.publish({ ...event, node: this.adapter.nodeId } as Exclude<ClusterEvent, { type: 'message' }>).catch(this.#report);
  }

  /**
   * Numbers, records and publishes a message; resolves with it once it came back here. By then
   * every earlier message of its room has been delivered here, so the sender never learns a seq
   * before the messages that precede it (its resume point would skip them).
   */
  async send(key: string, draft: MessageDraft): Promise<ChatMessage> {
    let timer: NodeJS.Timeout | undefined;
    const delivered = new Promise<void>((resolve) => {
      this.#ownPending.set(draft.id, resolve);
      timer = setTimeout(resolve, OWN_MESSAGE_WAIT_MS);
    });
    try {
      const message = await this.adapter.send(key, draft);
      await delivered;
      return message;
    } finally {
      clearTimeout(timer);
      this.#ownPending.delete(draft.id);
    }
  }

  /** Sends a message without waiting for it (system messages); failures are reported. */
  post(key: string, draft: MessageDraft): void {
    this.adapter.send(key, draft).catch(this.#report);
  }

  /** A local user arrived: if it was online on another node (that died), it leaves its rooms there first. */
  arrived(name: string): void {
    const previous = this.remote.get(name);
    if (previous !== undefined) this.#remoteGone(previous.name, [...previous.rooms], 'disconnected');
    this.publish({ type: 'online', user: name });
  }

  /** Applies an event of the cluster. */
  apply(event: ClusterEvent): void {
    const self = this.adapter.nodeId;
    const host = this.#host;
    if (event.type === 'message') {
      const { message } = event;
      const delivery = new MessageDelivery(message);
      if (message.room !== undefined) {
        for (const member of host.roomMembers(message.room) ?? []) if (!(event.node === self && member.name === message.from)) member.deliverMessage(delivery);
      } else if (message.to !== undefined) {
        host.find(message.to)?.deliverMessage(delivery);
      }
      if (event.node === self) {
        this.#ownPending.get(message.id)?.();
        host.onMessage(message);
      }
      return;
    }
    if (event.type === 'file') {
      host.deliverFile(event.file, event.node === self ? event.file.from : undefined);
      if (event.node === self) host.onFile(event.file);
      return;
    }
    if (event.node === self) return;
    switch (event.type) {
      case 'online': {
        // A user that moved from another node (failing over) leaves its old rooms first.
        const previous = this.remote.get(event.user);
        if (previous !== undefined && previous.node !== event.node) this.#remoteGone(previous.name, [...previous.rooms], 'disconnected');
        if (host.find(event.user) === undefined) this.remote.add({ name: event.user, node: event.node, rooms: [] });
        return;
      }
      case 'offline': {
        const user = this.remote.get(event.user);
        if (user !== undefined && user.node === event.node) this.#remoteGone(event.user, [...user.rooms], event.reason);
        return;
      }
      case 'join': {
        const user = this.remote.get(event.user) ?? this.remote.add({ name: event.user, node: event.node, rooms: [] });
        if (user.rooms.has(event.room)) return;
        this.remote.join(user, event.room);
        this.#deliverToRoom(event.room, new JoinDelivery({ room: event.room, user: event.user }));
        return;
      }
      case 'leave': {
        const user = this.remote.get(event.user);
        if (user === undefined || !user.rooms.has(event.room)) return;
        this.remote.leave(user, event.room);
        this.#deliverToRoom(event.room, new LeaveDelivery({ room: event.room, user: event.user, reason: event.reason }));
        return;
      }
    }
  }

  /** A remote user went offline: its rooms' local members see it leave. */
  #remoteGone(name: string, rooms: string[], reason: LeaveReason): void {
    this.remote.remove(name);
    for (const room of rooms) this.#deliverToRoom(room, new LeaveDelivery({ room, user: name, reason }));
  }

  #deliverToRoom(room: string, delivery: JoinDelivery | LeaveDelivery): void {
    for (const member of this.#host.roomMembers(room) ?? []) {
      if (delivery instanceof JoinDelivery) member.deliverJoin(delivery);
      else member.deliverLeave(delivery);
    }
  }
}

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

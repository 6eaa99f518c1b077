import type { ClusterUser } from '../cluster/adapter.js';
import { nameKey } from '../util/names.js';

/** A user connected to another node of the cluster, as this node knows it. */
export interface RemoteUser {
  readonly name: string;
  node: string;
  readonly rooms: Set<string>;
}

/**
 * This node's replica of the users of the other nodes, kept from the cluster's events: who is
 * online where, and in which rooms. It answers name checks and member lists without a round trip.
 */
export class RemoteUsers {
  readonly #users = new Map<string, RemoteUser>();
  readonly #rooms = new Map<string, Set<RemoteUser>>();

  /** The remote user named `name` (case-insensitively), if any. */
  get(name: string): RemoteUser | undefined {
    return this.#users.get(nameKey(name));
  }

  /** Every remote user. */
  all(): RemoteUser[] {
    return [...this.#users.values()];
  }

  /** Names of the remote members of `room`. */
  namesIn(room: string): string[] {
    return [...(this.#rooms.get(room) ?? [])].map((user) => user.name);
  }

  /** Rooms with remote members. */
  roomNames(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Records a user online on `user.node`, in its rooms (replacing any previous record). */
  add(user: ClusterUser): RemoteUser {
    this.remove(user.name);
    const remote: RemoteUser = { name: user.name, node: user.node, rooms: new Set() };
    this.#users.set(nameKey(user.name), remote);
    for (const room of user.rooms) this.join(remote, room);
    return remote;
  }

  /** Forgets a user; returns its record (with its rooms), if it was known. */
  remove(name: string): RemoteUser | undefined {
    const user = this.#users.get(nameKey(name));
    if (user === undefined) return undefined;
    this.#users.delete(nameKey(name));
    for (const room of user.rooms) this.#unlink(user, room);
    return user;
  }

  /** `user` joined `room`. */
  join(user: RemoteUser, room: string): void {
    user.rooms.add(room);
    let members = this.#rooms.get(room);
    if (members === undefined) this.#rooms.set(room, (members = new Set()));
    members.add(user);
  }

  /** `user` left `room`. */
  leave(user: RemoteUser, room: string): void {
    user.rooms.delete(room);
    this.#unlink(user, room);
  }

  #unlink(user: RemoteUser, room: string): void {
    const members = this.#rooms.get(room);
    members?.delete(user);
    if (members?.size === 0) this.#rooms.delete(room);
  }
}

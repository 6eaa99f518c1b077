import type { HistoryRange } from '../stores/history-store.js';
import type { ChatMessage, FileInfo, LeaveReason } from '../types.js';

/** A user as the cluster knows it: its name, the node it is connected to, its rooms. */
export interface ClusterUser {
  /** The user's name, as admitted. */
  name: string;
  /** The id of the node the user is connected to. */
  node: string;
  /** Rooms the user is in. */
  rooms: string[];
}

/** What every cluster event carries. */
export interface ClusterEventBase {
  /** The id of the node the event comes from (for `offline`, the node the user was on). */
  node: string;
}

/** A message, numbered by the cluster. */
export interface ClusterMessageEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'message';
  /** The message, with its cluster-wide `seq`. */
  message: ChatMessage;
}

/** A user was admitted on `node`. */
export interface ClusterOnlineEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'online';
  /** The user's name. */
  user: string;
}

/** A user left the cluster (its node may have died: another node then reports it). */
export interface ClusterOfflineEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'offline';
  /** The user's name. */
  user: string;
  /** The rooms it was in. */
  rooms: string[];
  /** Why. */
  reason: LeaveReason;
}

/** A user joined a room. */
export interface ClusterJoinEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'join';
  /** The user's name. */
  user: string;
  /** The room. */
  room: string;
}

/** A user left a room. */
export interface ClusterLeaveEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'leave';
  /** The user's name. */
  user: string;
  /** The room. */
  room: string;
  /** Why. */
  reason: LeaveReason;
}

/** A file was stored (its bytes are in the shared store). */
export interface ClusterFileEvent extends ClusterEventBase {
  /** Discriminant. */
  type: 'file';
  /** The stored file. */
  file: FileInfo;
}

/**
 * What nodes tell each other through the adapter. Every node receives every event, its own
 * included, in one order (the adapter's).
 */
export type ClusterEvent = ClusterMessageEvent | ClusterOnlineEvent | ClusterOfflineEvent | ClusterJoinEvent | ClusterLeaveEvent | ClusterFileEvent;

/** A message before the cluster numbers it. */
export type MessageDraft = Omit<ChatMessage, 'seq'>;

/**
 * Lets several {@link ChatServer} nodes share users, rooms, messages, history and file metadata.
 * A node calls {@link ClusterAdapter.start} once, then reports what its users do; the adapter
 * hands every event (from any node, this one included) to the `deliver` callback, in one order.
 * {@link RedisAdapter} is the implementation PieChat ships.
 */
export interface ClusterAdapter {
  /** This node's id, unique in the cluster. */
  readonly nodeId: string;
  /** Connects, starts receiving events, and returns the users already online on other nodes. */
  start(deliver: (event: ClusterEvent) => void): Promise<ClusterUser[]>;
  /** Leaves the cluster: this node's users go offline everywhere; stops receiving events. */
  stop(): Promise<void>;
  /**
   * Reserves `name` cluster-wide for a user of this node. True if it was free, or held by a
   * session that `session` proves to be the same (a client failing over from a dead node).
   */
  claim(name: string, session: string): Promise<boolean>;
  /** Publishes an event of this node (presence and rooms are recorded for nodes that start later). */
  publish(event: Exclude<ClusterEvent, { type: 'message' }>): Promise<void>;
  /**
   * Numbers a message once, cluster-wide (the next `seq` of `key`: a room, or `@` + a user's
   * lower-cased name for a private inbox), records it in the shared history, publishes it, and
   * resolves with it.
   */
  send(key: string, draft: MessageDraft): Promise<ChatMessage>;
  /** Names the shared history's numbering (see `HistoryStore.epoch`). */
  epoch(): Promise<string>;
  /** The messages of `key` after `seq` in the shared history, or what is left of them. */
  since(key: string, seq: number): Promise<HistoryRange>;
  /** The last `seq` of `key` (0 if none). */
  lastSeq(key: string): Promise<number>;
  /** Metadata of every stored file, shared by the nodes. */
  files(): Promise<FileInfo[]>;
}

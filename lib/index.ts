/**
 * PieChat: an embeddable, event-driven chat with file transfer over framed TCP.
 *
 * @example
 * ```ts
 * import { ChatServer, ChatClient } from 'piechat';
 *
 * const server = new ChatServer();
 * const { port } = await server.listen(0);
 * const alice = new ChatClient({ port, name: 'alice' });
 * await alice.connect();
 * await alice.send('hello', { room: 'lobby' });
 * ```
 *
 * @packageDocumentation
 */
export { ChatServer } from './server/chat-server.js';
export type { ChatServerOptions } from './server/options.js';
export type {
  SecurityOptions,
  AuthRequest,
  AuthResult,
  AuthAllow,
  AuthDeny,
  AuthorizeAction,
  ActionBase,
  JoinAction,
  SendAction,
  UploadAction,
  DownloadAction,
  AuthorizedUser,
  TlsIdentity,
} from './server/security-options.js';
export type { ServerEvents, DisconnectEvent, ClientErrorEvent, SlowConsumerEvent, TransferEndEvent, SuspendEvent, ResumeEvent } from './server/events.js';
export { ChatClient } from './client/chat-client.js';
export type { SendTarget, RoomTarget, UserTarget, ClientState } from './client/arguments.js';
export type { ChatClientOptions } from './client/options.js';
export type { ClientEvents, ConnectInfo, ClientDisconnectEvent, ReconnectingEvent, GapEvent } from './client/events.js';
export type { ReconnectOptions } from './client/reconnect.js';
export type { SendFileOptions, UploadSource } from './client/upload-task.js';
export type { DownloadOptions } from './client/download-task.js';
export { Transfer, type TransferEvents } from './transfer/transfer.js';
export type { FileStore, FileSink } from './stores/file-store.js';
export { DiskFileStore, type DiskFileStoreOptions } from './stores/disk-file-store.js';
export type { HistoryStore, HistoryRange } from './stores/history-store.js';
export { MemoryHistoryStore, type MemoryHistoryStoreOptions } from './stores/memory-history-store.js';
export type { ServerAddress } from './client/reconnector.js';
export { sanitizeFileName } from './util/file-name.js';
export { formatBytes, formatRate, formatEta, formatProgress, renderBar, RateMeter, ProgressBar, type ProgressBarOptions, type ProgressOutput, type ProgressState } from './cli/progress-bar.js';
export type {
  ClusterAdapter,
  ClusterEvent,
  ClusterEventBase,
  ClusterMessageEvent,
  ClusterOnlineEvent,
  ClusterOfflineEvent,
  ClusterJoinEvent,
  ClusterLeaveEvent,
  ClusterFileEvent,
  ClusterUser,
  MessageDraft,
} from './cluster/adapter.js';
export { RedisAdapter, type RedisAdapterOptions, type RedisConnection } from './cluster/redis-adapter.js';
export { PieChatError, ERROR_CODES, isPieChatError, type ErrorCode, type PieChatErrorOptions } from './errors.js';
export type {
  ChatMessage,
  JoinEvent,
  LeaveEvent,
  LeaveReason,
  ServerLimits,
  UserInfo,
  RoomInfo,
  BoundAddress,
  FileInfo,
  DownloadedFile,
  TransferProgress,
  ServerTransferProgress,
} from './types.js';
export { PROTOCOL_VERSION } from './protocol/constants.js';
export { VERSION } from './version.js';
export * as DEFAULTS from './defaults.js';

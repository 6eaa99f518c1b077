import { expectAssignable, expectError, expectType } from 'tsd';
import {
  ChatClient,
  ChatServer,
  isPieChatError,
  PieChatError,
  type BoundAddress,
  type ChatMessage,
  type ClientDisconnectEvent,
  type ConnectInfo,
  type DisconnectEvent,
  type ErrorCode,
  type JoinEvent,
  type LeaveEvent,
  type RoomInfo,
  type UserInfo,
} from '../dist/index.js';

const server = new ChatServer({ port: 0, rooms: ['lobby', 'dev'] });
const client = new ChatClient({ name: 'alice', port: 9009 });

// Server events: every listener's argument is inferred.
server.on('message', (message) => expectType<ChatMessage>(message));
server.on('join', (event) => expectType<JoinEvent>(event));
server.on('leave', (event) => {
  expectType<LeaveEvent>(event);
  expectType<'left' | 'disconnected' | 'timeout' | 'error' | 'kicked' | 'shutdown' | 'slow-consumer'>(event.reason);
});
server.on('connect', (user) => expectType<UserInfo>(user));
server.on('disconnect', (event) => expectType<DisconnectEvent>(event));
server.on('listening', (address) => expectType<BoundAddress>(address));
server.on('error', (error) => expectType<PieChatError>(error));
server.on('client-error', ({ error, address }) => {
  expectType<PieChatError>(error);
  expectType<string>(address);
});
server.on('close', () => undefined);

// A wrong event name, or a listener of the wrong type, does not compile.
expectError(server.on('mesage', () => undefined));
expectError(server.on('message', (message: number) => message));
expectError(server.on('join', (event: { room: number }) => event));
expectError(server.emit('message', 'not a message'));

// Client events.
client.on('message', (message) => expectType<ChatMessage>(message));
client.on('join', (event) => expectType<JoinEvent>(event));
client.on('leave', (event) => expectType<LeaveEvent>(event));
client.on('connect', (info) => expectType<ConnectInfo>(info));
client.on('disconnect', (event) => expectType<ClientDisconnectEvent>(event));
client.on('error', (error) => expectType<PieChatError>(error));
expectError(client.on('messages', () => undefined));
expectError(client.on('message', (message: string) => message));

// Methods and their results.
expectType<Promise<BoundAddress>>(server.listen(0, '127.0.0.1'));
expectType<ChatMessage[]>(server.broadcast('hi', { room: 'lobby' }));
expectType<UserInfo[]>(server.users());
expectType<RoomInfo[]>(server.rooms());
expectType<Promise<void>>(server.close());
expectType<Promise<ConnectInfo>>(client.connect());
expectType<Promise<ChatMessage>>(client.send('hi', { room: 'lobby' }));
expectType<Promise<ChatMessage>>(client.send('psst', { to: 'bob' }));
expectType<Promise<string[]>>(client.join('dev'));
expectType<Promise<void>>(client.leave('dev'));
expectType<Promise<string[]>>(client.users('lobby'));
expectType<Promise<RoomInfo[]>>(client.rooms());

// A message goes to a room or to a user, never both or neither.
expectError(client.send('hi', {}));
expectError(client.send('hi', { room: 'lobby', to: 'bob' }));
expectError(client.send(42, { room: 'lobby' }));

// Options are checked.
expectError(new ChatClient({}));
expectError(new ChatClient({ name: 'a', port: '9009' }));
expectError(new ChatServer({ maxClients: 'many' }));

// Error codes are literal types that narrow.
declare const caught: unknown;
if (isPieChatError(caught, 'ERR_NAME_TAKEN')) expectType<'ERR_NAME_TAKEN'>(caught.code);
if (caught instanceof PieChatError) {
  expectType<ErrorCode>(caught.code);
  if (caught.code === 'ERR_NOT_IN_ROOM') expectType<'ERR_NOT_IN_ROOM'>(caught.code);
}
expectAssignable<ErrorCode>('ERR_TIMEOUT');
expectError<ErrorCode>('ERR_NOPE');
expectError(new PieChatError('ERR_NOPE', 'message'));

// File transfer: Transfer is an emitter of progress and a promise of its result.
import { Readable } from 'node:stream';
import type { DownloadedFile, FileInfo, FileStore, ServerTransferProgress, Transfer, TransferEndEvent, TransferProgress } from '../dist/index.js';

const upload = client.sendFile('./report.pdf', { room: 'lobby' });
expectType<Transfer<FileInfo>>(upload);
expectType<string>(upload.id);
upload.on('progress', (progress) => expectType<TransferProgress>(progress));
expectError(upload.on('progres', () => undefined));
expectType<Promise<FileInfo>>(upload.then((file) => file));
expectType<void>(upload.cancel());
client.sendFile(new Uint8Array(4), { to: 'bob', name: 'bytes.bin', signal: new AbortController().signal });
client.sendFile(Readable.from([Buffer.from('x')]), { room: 'lobby', size: 1 });
expectError(client.sendFile('./report.pdf', {}));
expectError(client.sendFile('./report.pdf', { room: 'lobby', to: 'bob' }));
expectError(client.sendFile(42, { room: 'lobby' }));
const download = client.download('0123456789abcdef0123456789abcdef', './downloads/');
expectType<Transfer<DownloadedFile>>(download);
expectType<Promise<string | undefined>>(download.then((file) => file.path));
expectType<Promise<FileInfo[]>>(client.files({ room: 'lobby' }));
client.on('file', (file) => expectType<FileInfo>(file));
client.on('progress', (progress) => expectType<TransferProgress>(progress));
server.on('file', (file) => expectType<FileInfo>(file));
server.on('progress', (progress) => expectType<ServerTransferProgress>(progress));
server.on('transfer-end', (event) => {
  expectType<TransferEndEvent>(event);
  expectType<PieChatError | undefined>(event.error);
});
declare const store: FileStore;
new ChatServer({ storage: store, maxFileBytes: 1024, quotaBytes: 4096, maxTransfers: 2 });
new ChatServer({ storage: './files' });
expectError(new ChatServer({ storage: 42 }));

// Reliability: reconnection, resume, gaps, slow consumers, pluggable history.
import { MemoryHistoryStore } from '../dist/index.js';
import type { ClientState, GapEvent, HistoryStore, ReconnectingEvent, ReconnectOptions, ServerAddress, SlowConsumerEvent, SuspendEvent } from '../dist/index.js';

expectType<ClientState>(client.state);
expectAssignable<ClientState>('reconnecting');
expectError<ClientState>('sleeping');
client.on('reconnecting', (event) => {
  expectType<ReconnectingEvent>(event);
  expectType<number>(event.attempt);
  expectType<number>(event.delayMs);
  expectType<PieChatError | undefined>(event.error);
});
client.on('gap', (gap) => {
  expectType<GapEvent>(gap);
  expectType<string | undefined>(gap.room);
  expectType<number>(gap.next);
});
client.on('disconnect', (event) => expectType<boolean>(event.willReconnect));
client.on('connect', (info) => expectType<boolean>(info.resumed));
const policy: ReconnectOptions = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2, jitter: 0.5, maxAttempts: 10 };
const fallback: ServerAddress = { host: '10.0.0.2', port: 9009 };
new ChatClient({ name: 'alice', reconnect: policy, servers: [fallback], maxQueuedMessages: 10, maxQueuedBytes: 4096 });
new ChatClient({ name: 'alice', reconnect: false });
expectError(new ChatClient({ name: 'alice', reconnect: 'always' }));
expectError(new ChatClient({ name: 'alice', servers: [{ host: 'h' }] }));
server.on('slow-consumer', (event) => expectType<SlowConsumerEvent>(event));
server.on('suspend', (event) => expectType<SuspendEvent>(event));
server.on('resume', ({ user }) => expectType<string>(user));
const history: HistoryStore = new MemoryHistoryStore({ maxMessages: 100, maxAgeMs: 60_000 });
new ChatServer({ history, resumeGraceMs: 10_000, partialUploadTtlMs: 60_000, lineIdleTimeoutMs: 0, maxOutputBufferBytes: 1 << 20 });
expectError(new ChatServer({ resumeGraceMs: '30s' }));

// Security: TLS, authentication and authorization hooks, rate limits.
import type { AuthorizeAction, AuthRequest, AuthResult, TlsIdentity } from '../dist/index.js';

new ChatServer({
  tls: { key: 'PEM', cert: 'PEM', ca: 'PEM', requestCert: true },
  authenticate: async (request) => {
    expectType<AuthRequest>(request);
    expectType<string | undefined>(request.token);
    expectType<TlsIdentity | undefined>(request.tls);
    expectType<'binary' | 'line'>(request.mode);
    return request.token === 'secret' ? { allow: true, name: request.tls?.subject?.CN ?? request.name, data: { admin: true } } : { allow: false, message: 'no' };
  },
  authorize: (action) => {
    expectType<AuthorizeAction>(action);
    if (action.type === 'download') expectType<FileInfo>(action.file);
    if (action.type === 'upload') expectType<number>(action.size);
    return action.allowed && action.user.data?.banned !== true;
  },
  maxMessagesPerSecond: 10,
  messageBurst: 20,
  maxUploadBytesPerSecond: 1 << 20,
  maxConnectionsPerAddress: 8,
  frameTimeoutMs: 10_000,
});
expectAssignable<AuthResult>(true);
expectError<AuthResult>({ allow: 'yes' });
expectError(new ChatServer({ authorize: async () => true }));
new ChatClient({ name: 'alice', tls: true, token: 't' });
new ChatClient({ name: 'alice', tls: { ca: 'PEM', servername: 'chat.example' }, password: 'p' });
expectError(new ChatClient({ name: 'alice', tls: 'yes' }));
expectAssignable<ErrorCode>('ERR_TLS');
expectType<number>(client.limits!.maxMessagesPerSecond);

// Cluster: a RedisAdapter (any ioredis-like connection) as the adapter of every node.
import { RedisAdapter, type ClusterAdapter, type ClusterEvent, type RedisConnection } from '../dist/index.js';

declare const connection: RedisConnection;
const adapter = new RedisAdapter({ connect: () => connection, prefix: 'chat', nodeTimeoutMs: 5_000, historyMaxMessages: 500 });
expectAssignable<ClusterAdapter>(adapter);
expectType<string>(adapter.nodeId);
new ChatServer({ adapter, storage: '/shared/files' });
expectError(new ChatServer({ adapter: {} }));
expectError(new RedisAdapter({ prefix: 'x' }));
declare const event: ClusterEvent;
if (event.type === 'message') expectType<number>(event.message.seq);
if (event.type === 'offline') expectType<string[]>(event.rooms);

/**
 * Everything the terminal UI shows, as plain data, and the one function that changes it:
 * `reduce(state, action)`. Events from the ChatClient, results of commands and keys all become
 * actions, so the screen is a function of the state, and a test can replay any sequence.
 */
import type { ChatMessage, FileInfo, LeaveReason } from 'piechat';
import { formatBytes } from 'piechat';
import { edit, EMPTY_EDITOR, submit, type Edit, type LineEditor } from './line-editor.js';

/** Where the connection stands. */
export type Connection = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** One line of the message pane, before formatting. */
export interface LogEntry {
  /** Increasing number: what a printer has shown is everything up to some id. */
  readonly id: number;
  readonly at: number;
  /** `chat` a room message, `private` a private one, `system` the server's, `notice` and `error` the UI's own. */
  readonly kind: 'chat' | 'private' | 'system' | 'notice' | 'error';
  readonly room?: string;
  readonly from?: string;
  readonly to?: string;
  readonly text: string;
  /** Sent by this user. */
  readonly mine?: boolean;
}

/** A file someone shared with this user, numbered as the files pane shows it. */
export interface IncomingFile {
  /** 1, 2, 3 … in the order they arrived: the key and the `/get` number. */
  readonly n: number;
  readonly file: FileInfo;
  readonly state: 'new' | 'downloading' | 'saved' | 'failed';
  readonly bytes: number;
  readonly startedAt?: number;
  readonly at?: number;
  /** Where it was saved. */
  readonly path?: string;
}

/** An upload this user started. */
export interface Upload {
  readonly transferId: string;
  readonly name: string;
  /** `lobby`, or `@bob` for a private file. */
  readonly target: string;
  readonly bytes: number;
  readonly total: number;
  readonly startedAt: number;
  /** Time of the last progress report. */
  readonly at: number;
}

/** The whole UI state. */
export interface ChatState {
  readonly me: string;
  /** `host:port`, for the title. */
  readonly address: string;
  readonly connection: Connection;
  /** The room plain lines are said in. */
  readonly room: string | undefined;
  readonly joined: readonly string[];
  /** Members of each joined room, as last known. */
  readonly members: Readonly<Record<string, readonly string[]>>;
  readonly log: readonly LogEntry[];
  readonly files: readonly IncomingFile[];
  readonly uploads: readonly Upload[];
  /** The last notice or error, for the status line. */
  readonly status: string | undefined;
  /** Message-pane lines scrolled back from the newest. */
  readonly scroll: number;
  readonly focus: 'input' | 'files';
  /** Index of the highlighted file while the files pane has the focus. */
  readonly selected: number;
  readonly input: LineEditor;
}

/** Everything that can happen to the state. Times are ms since the epoch, given by the caller. */
export type Action =
  | { type: 'connected'; name: string; rooms: readonly string[]; resumed: boolean; at: number }
  | { type: 'disconnected'; reason: LeaveReason; willReconnect: boolean; error?: string; at: number }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'members'; room: string; users: readonly string[] }
  | { type: 'joined'; room: string; users: readonly string[]; at: number }
  | { type: 'left'; room: string; at: number }
  | { type: 'switch'; room: string; at: number }
  | { type: 'user-joined'; room: string; user: string; at: number }
  | { type: 'user-left'; room: string; user: string; reason: LeaveReason; at: number }
  | { type: 'message'; message: ChatMessage; mine: boolean }
  | { type: 'notice'; text: string; at: number }
  | { type: 'error'; text: string; at: number }
  | { type: 'file'; file: FileInfo; at: number }
  | { type: 'download-start'; n: number; at: number }
  | { type: 'download-progress'; n: number; bytes: number; at: number }
  | { type: 'download-done'; n: number; path: string; at: number }
  | { type: 'download-failed'; n: number; error: string; at: number }
  | { type: 'upload-start'; transferId: string; name: string; target: string; total: number; at: number }
  | { type: 'upload-progress'; transferId: string; bytes: number; at: number }
  | { type: 'upload-done'; transferId: string; file: FileInfo; at: number }
  | { type: 'upload-failed'; transferId: string; error: string; at: number }
  | { type: 'scroll'; by: number; max: number }
  | { type: 'scroll-end' }
  | { type: 'edit'; edit: Edit }
  | { type: 'submit' }
  | { type: 'focus'; pane: 'input' | 'files' }
  | { type: 'select'; by: number };

/** Most entries the message pane keeps; older ones are dropped. */
export const MAX_LOG = 2000;

/** The state before connecting. */
export function initialState(me: string, address: string): ChatState {
  return {
    me,
    address,
    connection: 'connecting',
    room: undefined,
    joined: [],
    members: {},
    log: [],
    files: [],
    uploads: [],
    status: undefined,
    scroll: 0,
    focus: 'input',
    selected: 0,
    input: EMPTY_EDITOR,
  };
}

type Entry = Omit<LogEntry, 'id'>;

/** Appends entries to the log; notices and errors also become the status line. */
function log(state: ChatState, ...entries: Entry[]): ChatState {
  const last = state.log.at(-1)?.id ?? 0;
  const added = entries.map((entry, index) => ({ ...entry, id: last + index + 1 }));
  const status = entries.findLast((entry) => entry.kind === 'notice' || entry.kind === 'error')?.text ?? state.status;
  return { ...state, log: [...state.log, ...added].slice(-MAX_LOG), status };
}

const notice = (text: string, at: number): Entry => ({ kind: 'notice', text, at });

function withMembers(state: ChatState, room: string, update: (users: readonly string[]) => readonly string[]): ChatState {
  const users = state.members[room];
  return users === undefined ? state : { ...state, members: { ...state.members, [room]: update(users) } };
}

function updateFile(state: ChatState, n: number, change: Partial<IncomingFile>): ChatState {
  return { ...state, files: state.files.map((file) => (file.n === n ? { ...file, ...change } : file)) };
}

function updateUpload(state: ChatState, transferId: string, change: Partial<Upload>): ChatState {
  return { ...state, uploads: state.uploads.map((upload) => (upload.transferId === transferId ? { ...upload, ...change } : upload)) };
}

const uploadOf = (state: ChatState, transferId: string): Upload | undefined => state.uploads.find((upload) => upload.transferId === transferId);
const fileOf = (state: ChatState, n: number): IncomingFile | undefined => state.files.find((file) => file.n === n);

/** The next state after `action`. Pure: same input, same output. */
export function reduce(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'connected': {
      const room = state.room !== undefined && action.rooms.includes(state.room) ? state.room : action.rooms.at(-1);
      const how = action.resumed ? 'back online' : `connected to ${state.address} as ${action.name}`;
      const where = action.rooms.length === 0 ? 'in no room' : `in ${action.rooms.join(', ')}`;
      return log({ ...state, me: action.name, connection: 'online', joined: [...action.rooms], room }, notice(`${how}, ${where}; /help for commands`, action.at));
    }
    case 'disconnected': {
      const why = `${action.reason}${action.error === undefined ? '' : `: ${action.error}`}`;
      const next = action.willReconnect ? 'reconnecting…' : 'not reconnecting; /quit to leave';
      return log({ ...state, connection: action.willReconnect ? 'reconnecting' : 'offline' }, { kind: 'error', text: `disconnected (${why}), ${next}`, at: action.at });
    }
    case 'reconnecting':
      return { ...state, connection: 'reconnecting', status: `reconnecting: attempt ${action.attempt} in ${(action.delayMs / 1000).toFixed(1)} s` };
    case 'members':
      return state.joined.includes(action.room) ? { ...state, members: { ...state.members, [action.room]: [...action.users] } } : state;
    case 'joined': {
      const joined = state.joined.includes(action.room) ? state.joined : [...state.joined, action.room];
      const next = { ...state, joined, room: action.room, members: { ...state.members, [action.room]: [...action.users] } };
      return log(next, notice(`you joined ${action.room}: ${action.users.join(', ')}`, action.at));
    }
    case 'left': {
      const joined = state.joined.filter((room) => room !== action.room);
      const { [action.room]: _gone, ...members } = state.members;
      const room = state.room === action.room ? joined.at(-1) : state.room;
      return log({ ...state, joined, members, room }, notice(`you left ${action.room}${room === undefined ? '; /join a room to talk' : `; talking in ${room}`}`, action.at));
    }
    case 'switch':
      if (!state.joined.includes(action.room)) return log(state, { kind: 'error', text: `you are not in ${action.room}: /join ${action.room} first`, at: action.at });
      return log({ ...state, room: action.room, scroll: 0 }, notice(`now talking in ${action.room}`, action.at));
    case 'user-joined': {
      const next = withMembers(state, action.room, (users) => (users.includes(action.user) ? users : [...users, action.user]));
      return log(next, { kind: 'notice', room: action.room, text: `${action.user} joined ${action.room}`, at: action.at });
    }
    case 'user-left': {
      const next = withMembers(state, action.room, (users) => users.filter((user) => user !== action.user));
      const why = action.reason === 'left' ? '' : ` (${action.reason})`;
      return log(next, { kind: 'notice', room: action.room, text: `${action.user} left ${action.room}${why}`, at: action.at });
    }
    case 'message': {
      const { message } = action;
      const kind = message.system === true ? 'system' : message.room === undefined ? 'private' : 'chat';
      return log(state, { kind, room: message.room, from: message.from, to: message.to, text: message.text, at: message.at, mine: action.mine });
    }
    case 'notice':
      return log(state, notice(action.text, action.at));
    case 'error':
      return log(state, { kind: 'error', text: action.text, at: action.at });
    case 'file': {
      if (state.files.some((known) => known.file.id === action.file.id)) return state;
      const n = (state.files.at(-1)?.n ?? 0) + 1;
      const { file } = action;
      const where = file.room === undefined ? 'privately' : `in ${file.room}`;
      const next = { ...state, files: [...state.files, { n, file, state: 'new' as const, bytes: 0 }] };
      return log(next, notice(`[${n}] ${file.from} shared ${file.name} (${formatBytes(file.size)}) ${where}: /get ${n} downloads it`, action.at));
    }
    case 'download-start':
      return updateFile(state, action.n, { state: 'downloading', bytes: 0, startedAt: action.at, at: action.at });
    case 'download-progress':
      return updateFile(state, action.n, { bytes: Math.max(action.bytes, fileOf(state, action.n)?.bytes ?? 0), at: action.at });
    case 'download-done': {
      const file = fileOf(state, action.n);
      if (file === undefined) return state;
      return log(updateFile(state, action.n, { state: 'saved', bytes: file.file.size, path: action.path, at: action.at }), notice(`saved ${file.file.name} to ${action.path} (SHA-256 verified)`, action.at));
    }
    case 'download-failed': {
      const file = fileOf(state, action.n);
      if (file === undefined) return state;
      return log(updateFile(state, action.n, { state: 'failed', at: action.at }), { kind: 'error', text: `could not download ${file.file.name}: ${action.error}`, at: action.at });
    }
    case 'upload-start': {
      const { type: _type, ...upload } = action;
      const next = { ...state, uploads: [...state.uploads, { ...upload, bytes: 0, startedAt: action.at }] };
      return log(next, notice(`sending ${action.name} (${formatBytes(action.total)}) to ${action.target}`, action.at));
    }
    case 'upload-progress':
      return updateUpload(state, action.transferId, { bytes: Math.max(action.bytes, uploadOf(state, action.transferId)?.bytes ?? 0), at: action.at });
    case 'upload-done':
    case 'upload-failed': {
      const upload = uploadOf(state, action.transferId);
      if (upload === undefined) return state;
      const next = { ...state, uploads: state.uploads.filter((other) => other !== upload) };
      if (action.type === 'upload-failed') return log(next, { kind: 'error', text: `could not send ${upload.name}: ${action.error}`, at: action.at });
      return log(next, notice(`sent ${upload.name} to ${upload.target} (id ${action.file.id})`, action.at));
    }
    case 'scroll':
      return { ...state, scroll: Math.max(0, Math.min(action.max, state.scroll + action.by)) };
    case 'scroll-end':
      return { ...state, scroll: 0 };
    case 'edit':
      return { ...state, input: edit(state.input, action.edit) };
    case 'submit':
      return { ...state, input: submit(state.input).editor, scroll: 0 };
    case 'focus':
      if (action.pane === 'files' && state.files.length === 0) return { ...state, focus: 'input', status: 'no incoming files yet' };
      return { ...state, focus: action.pane, selected: Math.min(state.selected, Math.max(0, state.files.length - 1)) };
    case 'select':
      return { ...state, selected: Math.max(0, Math.min(state.files.length - 1, state.selected + action.by)) };
  }
}

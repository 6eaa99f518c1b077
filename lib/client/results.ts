import { readCount, readObject, readObjectArray, readOptionalCount, readOptionalString, readString, readStringArray, type WireObject } from '../protocol/fields.js';
import { parseFileInfo } from '../protocol/file-info.js';
import type { ChatMessage, FileInfo, RoomInfo } from '../types.js';

/** Most names or rooms a list reply may hold. */
const MAX_LIST = 1_000_000;

/** What a `send` knows before the server stamps it. */
export type MessageDraft = Omit<ChatMessage, 'id' | 'seq' | 'at'>;

/** The acknowledged message: the draft stamped with the server's id, seq and time. */
export function parseSendResult(ok: WireObject, draft: MessageDraft): ChatMessage {
  const id = readString(ok, 'id', 128);
  const seq = readCount(ok, 'seq');
  const at = readCount(ok, 'at');
  const { room, to, from, text } = draft;
  if (room !== undefined) return { id, seq, room, from, text, at };
  // The server answers with the recipient's name as registered (the caller may have typed it in another case).
  return { id, seq, to: readOptionalString(ok, 'to', 256) ?? to!, from, text, at };
}

/** The names in a `join` or `users` reply. */
export function parseUserList(ok: WireObject): string[] {
  return readStringArray(ok, 'users', MAX_LIST, 256);
}

/** The reply to a `join`: the members, and the room's seq before the join (where to resume from). */
export function parseJoinResult(ok: WireObject): { users: string[]; seq: number } {
  return { users: parseUserList(ok), seq: ok.seq === undefined ? 0 : readCount(ok, 'seq') };
}

/** The rooms in a `rooms` reply. */
export function parseRoomList(ok: WireObject): RoomInfo[] {
  return readObjectArray(ok, 'rooms', MAX_LIST).map((room) => ({
    name: readString(room, 'name', 256),
    users: readStringArray(room, 'users', MAX_LIST, 256),
  }));
}

/** The files in a `files` reply. */
export function parseFileList(ok: WireObject): FileInfo[] {
  return readObjectArray(ok, 'files', MAX_LIST).map(parseFileInfo);
}

/** A reply with nothing to return. */
export function parseNothing(): void {}

/** The `ok` carrying a stored file (to an `end` or a `download`). */
export function parseFileResult(ok: WireObject): FileInfo {
  return parseFileInfo(readObject(ok, 'file'));
}

/** The `ok` to an `upload` request. */
export interface UploadStart {
  /** The server's id for the file. */
  file: string;
  /** The first window, counted from `offset`. */
  window: number;
  /** Where to send from: 0 for a new upload, the first byte not written for a resumed one. */
  offset: number;
  /** For a resumed upload the server had already stored: the file. */
  stored?: FileInfo;
}

/** Reads the `ok` to an `upload` request. */
export function parseUploadStart(ok: WireObject): UploadStart {
  const start: UploadStart = { file: readString(ok, 'file', 32), window: readCount(ok, 'window'), offset: readOptionalCount(ok, 'offset') ?? 0 };
  if (ok.stored !== undefined) start.stored = parseFileInfo(readObject(ok, 'stored'));
  return start;
}

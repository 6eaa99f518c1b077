/**
 * Turns what the SDK hands the host into what the page receives (see `protocol.ts`), and what the
 * page sends into checked requests. Everything from the page is untrusted input.
 */
import { isPieChatError, type ChatMessage, type FileInfo, type RoomInfo } from 'piechat';
import type { PageError, PageFile, PageMessage, PageRequest, PageRoom } from './protocol.js';

/** Longest WebSocket message the host accepts from a page: a chat message plus its envelope. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** A request from the page that is not one the bridge understands. */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** The page's copy of a message. */
export function toPageMessage(message: ChatMessage): PageMessage {
  const { id, room, to, from, text, at, system } = message;
  return { id, room, to, from, text, at, system };
}

/** The page's copy of a stored file. */
export function toPageFile(file: FileInfo): PageFile {
  const { id, name, size, from, room, at } = file;
  return { id, name, size, from, room, at };
}

/** The page's copy of a room. */
export function toPageRoom(room: RoomInfo): PageRoom {
  return { name: room.name, users: [...room.users] };
}

/**
 * What the page shows of a failure: the PieChat code when there is one; the SDK's `TypeError`s
 * and the bridge's own checks are `ERR_BAD_INPUT`; anything else is a bug, reported without its
 * details (which stay in the host's log).
 */
export function toPageError(error: unknown): PageError {
  if (isPieChatError(error)) return { code: error.code, message: error.message };
  if (error instanceof TypeError || error instanceof BadInputError) return { code: 'ERR_BAD_INPUT', message: error.message };
  console.error('web: unexpected error', error);
  return { code: 'ERR_INTERNAL', message: 'Unexpected error in the web host (see its log)' };
}

function stringField(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string') throw new BadInputError(`Expected \`${field}\` to be a string`);
  return value;
}

/** Parses and checks one WebSocket message from the page. Throws {@link BadInputError}. */
export function parsePageRequest(data: string): PageRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new BadInputError('A request must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError('A request must be a JSON object');
  const request = parsed as Record<string, unknown>;
  const type = request.type;
  switch (type) {
    case 'connect':
      return { type, name: stringField(request, 'name') };
    case 'join':
    case 'leave':
      return { type, room: stringField(request, 'room') };
    case 'send':
      return { type, room: stringField(request, 'room'), text: stringField(request, 'text') };
    case 'rooms':
      return { type };
    default:
      throw new BadInputError(`Unknown request type ${JSON.stringify(String(type)).slice(0, 40)}`);
  }
}

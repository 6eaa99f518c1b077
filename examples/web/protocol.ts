/**
 * What the page and its host say to each other over the tab's WebSocket, as JSON objects with a
 * `type`. Types only: the host's TypeScript and the page's JSDoc (`public/*.js`) both use them,
 * so the two sides cannot drift apart silently.
 *
 * The shapes are small copies of the SDK's payloads (`ChatMessage`, `FileInfo` …): the page
 * gets exactly what it shows, and the SDK's types stay out of the browser.
 */

/** A chat message as the page shows it. */
export interface PageMessage {
  id: string;
  /** The room; absent for a private message. */
  room?: string;
  /** The recipient of a private message (the tab's own user). */
  to?: string;
  from: string;
  text: string;
  /** When the server accepted it, ms since the epoch. */
  at: number;
  /** A message of the server itself. */
  system?: boolean;
}

/** A shared file as the page lists it; it downloads from `/files/<id>`. */
export interface PageFile {
  id: string;
  name: string;
  size: number;
  from: string;
  room?: string;
  at: number;
}

/** A room on the server and who is in it. */
export interface PageRoom {
  name: string;
  users: string[];
}

/** An error to show: a PieChat error code (`ERR_NAME_TAKEN` …) or `ERR_BAD_INPUT` for the bridge's own checks. */
export interface PageError {
  code: string;
  message: string;
}

/** What the page asks its host to do. */
export type PageRequest =
  | { type: 'connect'; name: string }
  | { type: 'join'; room: string }
  | { type: 'leave'; room: string }
  | { type: 'send'; room: string; text: string }
  | { type: 'rooms' };

/** What the host tells the page. */
export type HostEvent =
  /** The tab's ChatClient is connected; `session` authorises its uploads and downloads. */
  | { type: 'welcome'; name: string; session: string; maxFileBytes: number }
  /** The tab's user is in `room` (on arrival, or after `join`): its members and shared files. */
  | { type: 'joined'; room: string; users: string[]; files: PageFile[] }
  /** The tab's user left `room`. */
  | { type: 'left'; room: string }
  /** Every room on the server that has members. */
  | { type: 'rooms'; rooms: PageRoom[] }
  /** A message: someone else's, or the tab's own as the server accepted it. */
  | { type: 'message'; message: PageMessage }
  /** Another user joined or left a room the tab's user is in. */
  | { type: 'presence'; room: string; user: string; joined: boolean; reason?: string }
  /** A file was shared in a room (by anyone, the tab's own uploads included). */
  | { type: 'file'; file: PageFile }
  /** The tab's upload moved forward; `bytes === total` once the server stored and verified it. */
  | { type: 'progress'; transfer: string; name: string; bytes: number; total: number }
  /** The connection to the PieChat server changed: `online` false while it reconnects. */
  | { type: 'status'; online: boolean; text: string }
  /** Something the tab asked for failed, or the client gave up. */
  | { type: 'error'; action: string; error: PageError };

/**
 * The answer to `POST /upload?session=…&room=…&name=…` (the body is the file's bytes): the stored
 * file, or why not. Downloads are `GET /files/<id>?session=…`.
 */
export type UploadResponse = { file: PageFile } | { error: PageError };


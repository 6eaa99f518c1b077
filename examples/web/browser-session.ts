import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { ChatClient, type ConnectInfo, type DownloadedFile, type FileInfo, type ServerAddress } from 'piechat';
import { WebSocket, type RawData } from 'ws';
import { BadInputError, parsePageRequest, toPageError, toPageFile, toPageMessage, toPageRoom } from './page-shapes.js';
import type { HostEvent, PageFile, PageRequest } from './protocol.js';

/** What the page says about an upload it posts. */
export interface UploadTarget {
  room: string;
  name: string;
  size: number;
}

/** A tab that stops reading its WebSocket is dropped once this much waits to be sent to it. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** How long a page has to answer the WebSocket's closing handshake when the host stops. */
const CLOSE_GRACE_MS = 2000;

/**
 * One browser tab and its own {@link ChatClient}: the page's requests (over the tab's WebSocket)
 * become client calls, and the client's events become {@link HostEvent}s for the page. The tab's
 * uploads and downloads, which travel over plain HTTP, run through {@link upload} and
 * {@link download}. Closing the WebSocket closes the client.
 */
export class BrowserSession {
  /** Unguessable id of the tab, sent to the page only: it authorises the tab's HTTP transfers. */
  readonly id = randomUUID();
  readonly #socket: WebSocket;
  readonly #server: ServerAddress;
  #client: ChatClient | undefined;
  /** Files the tab was shown, by id: a download needs the name and size before its first byte. */
  readonly #files = new Map<string, FileInfo>();
  /** The page was sent its `welcome`: later `connect` events are reconnections. */
  #welcomed = false;
  #closed = false;

  constructor(socket: WebSocket, server: ServerAddress) {
    this.#socket = socket;
    this.#server = server;
    socket.on('message', (data, isBinary) => this.#receive(data, isBinary));
    socket.on('close', () => void this.close());
    socket.on('error', () => void this.close());
  }

  /**
   * Uploads `body` (the HTTP request's bytes) to a room, forwarding its progress to the page.
   * Resolves with the stored, verified file; rejects with the SDK's error.
   */
  async upload(body: Readable, target: UploadTarget): Promise<PageFile> {
    const transfer = this.#chatClient().sendFile(body, target);
    transfer.on('progress', ({ name, bytes, total }) => this.#emit({ type: 'progress', transfer: transfer.id, name, bytes, total }));
    const file = await transfer;
    // The uploader gets no `file` event from the SDK: show the file in its own list too.
    this.#showFile(file);
    return toPageFile(file);
  }

  /** A file this tab may download, refreshing the list from the server if it is not known yet. */
  async file(fileId: string): Promise<FileInfo | undefined> {
    if (!this.#files.has(fileId)) for (const file of await this.#chatClient().files()) this.#files.set(file.id, file);
    return this.#files.get(fileId);
  }

  /** Streams a file into `destination`; resolves once every byte arrived and its SHA-256 matched. */
  async download(fileId: string, destination: Writable): Promise<DownloadedFile> {
    return this.#chatClient().download(fileId, destination);
  }

  /** Closes the tab's client and WebSocket (the tab went away, or the host is stopping). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#socket.readyState === WebSocket.OPEN) {
      this.#socket.close(1001, 'The web host is stopping');
      // A page that does not answer the closing handshake is cut off.
      setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS).unref();
    }
    await this.#client?.close();
  }

  #chatClient(): ChatClient {
    if (this.#client === undefined) throw new BadInputError('Pick a name and connect first');
    return this.#client;
  }

  #emit(event: HostEvent): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#socket.close(1008, 'The page stopped reading');
      return;
    }
    this.#socket.send(JSON.stringify(event));
  }

  #receive(data: RawData, isBinary: boolean): void {
    let request: PageRequest;
    try {
      if (isBinary) throw new BadInputError('Requests are JSON text');
      request = parsePageRequest(data.toString());
    } catch (error) {
      this.#emit({ type: 'error', action: 'request', error: toPageError(error) });
      return;
    }
    this.#handle(request).catch((error: unknown) => this.#emit({ type: 'error', action: request.type, error: toPageError(error) }));
  }

  async #handle(request: PageRequest): Promise<void> {
    switch (request.type) {
      case 'connect':
        return this.#connect(request.name);
      case 'join': {
        await this.#chatClient().join(request.room);
        await this.#announceRoom(request.room);
        return this.#announceRooms();
      }
      case 'leave': {
        await this.#chatClient().leave(request.room);
        this.#emit({ type: 'left', room: request.room });
        return this.#announceRooms();
      }
      case 'send': {
        // The SDK does not echo the client's own messages: show the one the server accepted.
        const message = await this.#chatClient().send(request.text, { room: request.room });
        this.#emit({ type: 'message', message: toPageMessage(message) });
        return;
      }
      case 'rooms':
        return this.#announceRooms();
    }
  }

  async #connect(name: string): Promise<void> {
    if (this.#client !== undefined) throw new BadInputError(`Already connected as ${this.#client.name}`);
    const client = new ChatClient({ host: this.#server.host, port: this.#server.port, name });
    this.#client = client;
    this.#listen(client);
    let info: ConnectInfo;
    try {
      info = await client.connect();
    } catch (error) {
      // Refused (a name taken, invalid …): the page may try again with another name.
      this.#client = undefined;
      await client.close();
      throw error;
    }
    this.#welcomed = true;
    this.#emit({ type: 'welcome', name: info.name, session: this.id, maxFileBytes: info.limits.maxFileBytes });
    await this.#announceJoined();
  }

  #listen(client: ChatClient): void {
    client.on('message', (message) => this.#emit({ type: 'message', message: toPageMessage(message) }));
    client.on('join', ({ room, user }) => this.#emit({ type: 'presence', room, user, joined: true }));
    client.on('leave', ({ room, user, reason }) => this.#emit({ type: 'presence', room, user, joined: false, reason }));
    client.on('file', (file) => this.#showFile(file));
    client.on('disconnect', ({ reason, willReconnect }) => {
      if (!this.#closed) this.#emit({ type: 'status', online: false, text: willReconnect ? `connection lost (${reason}), reconnecting…` : `disconnected (${reason})` });
    });
    client.on('connect', (info) => {
      if (!this.#welcomed) return; // the first connection: #connect announces it
      this.#emit({ type: 'status', online: true, text: `connected as ${info.name}` });
      // Joins, leaves and files of the time offline are not replayed: show the rooms afresh.
      this.#announceJoined().catch((error: unknown) => this.#emit({ type: 'error', action: 'reconnect', error: toPageError(error) }));
    });
    client.on('error', (error) => this.#emit({ type: 'error', action: 'connection', error: toPageError(error) }));
  }

  /** Every room the client is in, then the server's room list. */
  async #announceJoined(): Promise<void> {
    for (const room of this.#chatClient().joined) await this.#announceRoom(room);
    await this.#announceRooms();
  }

  async #announceRoom(room: string): Promise<void> {
    const client = this.#chatClient();
    const [users, files] = await Promise.all([client.users(room), client.files({ room })]);
    for (const file of files) this.#files.set(file.id, file);
    this.#emit({ type: 'joined', room, users, files: files.map(toPageFile) });
  }

  async #announceRooms(): Promise<void> {
    const rooms = await this.#chatClient().rooms();
    this.#emit({ type: 'rooms', rooms: rooms.map(toPageRoom) });
  }

  #showFile(file: FileInfo): void {
    this.#files.set(file.id, file);
    this.#emit({ type: 'file', file: toPageFile(file) });
  }
}

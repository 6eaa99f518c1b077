/**
 * The wiring between a ChatClient and the UI state: client events become actions, typed lines
 * become client calls whose results become actions. Knows nothing of terminals: the full-screen
 * mode and the line mode both drive it.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { isPieChatError, type ChatClient, type FileInfo, type Transfer } from 'piechat';
import { HELP, parseLine, type Command } from './commands.js';
import type { Action } from './model.js';
import type { Store } from './store.js';

/** Options of a {@link ChatSession}. */
export interface SessionOptions {
  /** Where `/get` saves files (created if missing). */
  downloads: string;
  /**
   * The clock, in ms.
   * @default Date.now
   */
  now?: () => number;
}

/** A failure worth one line: `ERR_NOT_IN_ROOM: Not in room "dev"`, or the error's message. */
export function describeError(error: unknown): string {
  if (isPieChatError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one chat session for a UI: subscribe a {@link Store} to a {@link ChatClient}, then
 * {@link ChatSession.run} each line the user enters.
 */
export class ChatSession {
  readonly #client: ChatClient;
  readonly #store: Store;
  readonly #downloads: string;
  readonly #now: () => number;
  /** Transfers still running, with a promise that settles once each has been reported. */
  readonly #transfers = new Map<Transfer<unknown>, Promise<void>>();
  /** When the first connection was made: files shared since are listed again after a reconnection. */
  #since: number | undefined;

  constructor(client: ChatClient, store: Store, options: SessionOptions) {
    this.#client = client;
    this.#store = store;
    this.#downloads = resolve(options.downloads);
    this.#now = options.now ?? Date.now;
    this.#listen();
  }

  /** Transfers still running. */
  get running(): number {
    return this.#transfers.size;
  }

  /** Connects; rejects with the client's error (`ERR_NAME_TAKEN`, `ERR_NOT_CONNECTED` …). */
  async connect(): Promise<void> {
    await this.#client.connect();
  }

  /**
   * Runs one line the user entered. Resolves with `'quit'` for `/quit`; failures become error
   * lines, never rejections. A transfer runs in the background: the line is done once it started.
   */
  async run(line: string): Promise<'quit' | undefined> {
    const command = parseLine(line);
    if (command === undefined) return undefined;
    if (command.kind === 'quit') return 'quit';
    try {
      await this.#execute(command);
    } catch (error) {
      this.#dispatch({ type: 'error', text: describeError(error), at: this.#now() });
    }
    return undefined;
  }

  /** Cancels every running transfer. */
  cancelAll(): void {
    for (const transfer of this.#transfers.keys()) transfer.cancel();
  }

  /** Resolves once every running transfer has ended and been reported. */
  async settle(): Promise<void> {
    while (this.#transfers.size > 0) await Promise.all(this.#transfers.values());
  }

  /** Closes the client (transfers still running end with `ERR_CLOSED`). */
  async close(): Promise<void> {
    await this.#client.close();
  }

  #dispatch(action: Action): void {
    this.#store.dispatch(action);
  }

  #listen(): void {
    const client = this.#client;
    client.on('connect', ({ name, rooms, resumed }) => {
      this.#dispatch({ type: 'connected', name, rooms, resumed, at: this.#now() });
      // Joins, leaves and file announcements are not replayed after a reconnection: ask again.
      const since = this.#since;
      this.#since ??= this.#now();
      void this.#refresh(rooms, since);
    });
    client.on('message', (message) => this.#dispatch({ type: 'message', message, mine: false }));
    client.on('join', ({ room, user }) => this.#dispatch({ type: 'user-joined', room, user, at: this.#now() }));
    client.on('leave', ({ room, user, reason }) => this.#dispatch({ type: 'user-left', room, user, reason, at: this.#now() }));
    client.on('file', (file) => this.#dispatch({ type: 'file', file, at: this.#now() }));
    client.on('disconnect', ({ reason, error, willReconnect }) => {
      if (client.state === 'closed') return;
      this.#dispatch({ type: 'disconnected', reason, willReconnect, error: error?.message, at: this.#now() });
    });
    client.on('reconnecting', ({ attempt, delayMs }) => this.#dispatch({ type: 'reconnecting', attempt, delayMs }));
    client.on('gap', ({ room, reset }) => {
      const what = reset === true ? 'the server lost its history' : 'some messages were too old to replay';
      this.#dispatch({ type: 'notice', text: `${room ?? 'private messages'}: ${what}`, at: this.#now() });
    });
    client.on('error', (error) => this.#dispatch({ type: 'error', text: describeError(error), at: this.#now() }));
  }

  /** Members of `rooms`, and (after a reconnection) the files shared since the session began. */
  async #refresh(rooms: readonly string[], filesSince: number | undefined): Promise<void> {
    try {
      for (const room of rooms) this.#dispatch({ type: 'members', room, users: await this.#client.users(room) });
      if (filesSince !== undefined) await this.#listFiles(undefined, (file) => file.at >= filesSince);
    } catch {
      // Lost again meanwhile: the next `connect` refreshes.
    }
  }

  /** Adds the files others shared (in `room`, or anywhere) to the files pane; returns how many were new. */
  async #listFiles(room: string | undefined, wanted: (file: FileInfo) => boolean = () => true): Promise<number> {
    const known = this.#store.state.files.length;
    for (const file of await this.#client.files(room === undefined ? {} : { room })) {
      if (file.from !== this.#client.name && wanted(file)) this.#dispatch({ type: 'file', file, at: this.#now() });
    }
    return this.#store.state.files.length - known;
  }

  async #execute(command: Exclude<Command, { kind: 'quit' }>): Promise<void> {
    const client = this.#client;
    const state = this.#store.state;
    switch (command.kind) {
      case 'say': {
        if (state.room === undefined) throw new Error('You are in no room: /join <room> first');
        this.#dispatch({ type: 'message', message: await client.send(command.text, { room: state.room }), mine: true });
        return;
      }
      case 'msg':
        this.#dispatch({ type: 'message', message: await client.send(command.text, { to: command.to }), mine: true });
        return;
      case 'join':
        this.#dispatch({ type: 'joined', room: command.room, users: await client.join(command.room), at: this.#now() });
        return;
      case 'leave': {
        const room = command.room ?? state.room;
        if (room === undefined) throw new Error('Usage: /leave <room>');
        await client.leave(room);
        this.#dispatch({ type: 'left', room, at: this.#now() });
        return;
      }
      case 'room':
        this.#dispatch({ type: 'switch', room: command.room, at: this.#now() });
        return;
      case 'users': {
        const users = await client.users(command.room);
        if (command.room !== undefined) this.#dispatch({ type: 'members', room: command.room, users });
        this.#dispatch({ type: 'notice', text: `${command.room ?? 'online'} (${users.length}): ${users.join(', ')}`, at: this.#now() });
        return;
      }
      case 'files': {
        const added = await this.#listFiles(command.room);
        this.#dispatch({ type: 'notice', text: `${added === 0 ? 'no other' : added} file(s) added to the files pane`, at: this.#now() });
        return;
      }
      case 'help':
        for (const line of HELP) this.#dispatch({ type: 'notice', text: line, at: this.#now() });
        return;
      case 'usage':
        throw new Error(command.message);
      case 'send':
        return this.#upload(command.path, command.to);
      case 'get':
        return this.#download(command.file);
    }
  }

  /** `/send`: checks the file now (so a typo is reported at once), then uploads in the background. */
  async #upload(path: string, to: string | undefined): Promise<void> {
    const room = this.#store.state.room;
    if (to === undefined && room === undefined) throw new Error('You are in no room: /join <room> first, or /send @user <file>');
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw new Error(`${path} is not a file`);
    const transfer = this.#client.sendFile(path, to === undefined ? { room: room! } : { to });
    const transferId = transfer.id;
    this.#dispatch({ type: 'upload-start', transferId, name: basename(path), target: to === undefined ? room! : `@${to}`, total: info.size, at: this.#now() });
    transfer.on('progress', ({ bytes }) => this.#dispatch({ type: 'upload-progress', transferId, bytes, at: this.#now() }));
    this.#track(
      transfer,
      (file) => ({ type: 'upload-done', transferId, file, at: this.#now() }),
      (error) => ({ type: 'upload-failed', transferId, error, at: this.#now() }),
    );
  }

  /** `/get <n>` or `/get <id>`: downloads into the downloads folder, in the background. */
  async #download(which: number | string): Promise<void> {
    let entry = this.#store.state.files.find((file) => (typeof which === 'number' ? file.n === which : file.file.id === which));
    if (entry === undefined && typeof which === 'string') {
      // An id from elsewhere (another client's /files): list it first, so it gets a number.
      await this.#listFiles(undefined, (file) => file.id === which);
      entry = this.#store.state.files.find((known) => known.file.id === which);
    }
    if (entry === undefined) throw new Error(`No incoming file ${typeof which === 'number' ? which : which.slice(0, 32)}`);
    if (entry.state === 'downloading') throw new Error(`${entry.file.name} is already downloading`);
    const { n } = entry;
    const transfer = this.#client.download(entry.file.id, `${this.#downloads}${sep}`);
    this.#dispatch({ type: 'download-start', n, at: this.#now() });
    transfer.on('progress', ({ bytes }) => this.#dispatch({ type: 'download-progress', n, bytes, at: this.#now() }));
    this.#track(
      transfer,
      (file) => ({ type: 'download-done', n, path: file.path ?? this.#downloads, at: this.#now() }),
      (error) => ({ type: 'download-failed', n, error, at: this.#now() }),
    );
  }

  /** Reports a background transfer's outcome, and keeps it in {@link running} until then. */
  #track<T>(transfer: Transfer<T>, done: (result: T) => Action, failed: (error: string) => Action): void {
    const reported = transfer.then(
      (result) => this.#dispatch(done(result)),
      (error: unknown) => this.#dispatch(failed(describeError(error))),
    );
    this.#transfers.set(
      transfer,
      reported.finally(() => this.#transfers.delete(transfer)),
    );
  }
}

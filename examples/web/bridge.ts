import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServerAddress } from 'piechat';
import { BrowserSession } from './browser-session.js';
import { MAX_REQUEST_BYTES } from './page-shapes.js';
import type { RequestGuard } from './request-guard.js';

/** The path of the WebSocket each page opens to its host. */
export const BRIDGE_PATH = '/ws';

/**
 * The WebSocket side of the host: each page that connects gets its own {@link BrowserSession}
 * (and so its own `ChatClient`), found again by id for the tab's uploads and downloads.
 */
export class Bridge {
  readonly #server: ServerAddress;
  readonly #guard: RequestGuard;
  readonly #webSockets = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  readonly #sessions = new Map<string, BrowserSession>();

  constructor(server: ServerAddress, guard: RequestGuard) {
    this.#server = server;
    this.#guard = guard;
  }

  /** Handles the HTTP server's `upgrade` event: a page opening its WebSocket. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://host').pathname;
    if (path !== BRIDGE_PATH || !this.#guard.sameOrigin(request)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      const session = new BrowserSession(webSocket, this.#server);
      this.#sessions.set(session.id, session);
      webSocket.on('close', () => this.#sessions.delete(session.id));
    });
  }

  /** The live session with this id (from a download link or an upload), if any. */
  session(id: string | null): BrowserSession | undefined {
    return id === null ? undefined : this.#sessions.get(id);
  }

  /** Closes every tab's client and WebSocket. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => session.close()));
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#webSockets.close(() => resolve()));
  }
}

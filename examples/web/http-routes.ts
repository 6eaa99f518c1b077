import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Bridge } from './bridge.js';
import { sendError } from './http-responses.js';
import type { RequestGuard } from './request-guard.js';
import type { StaticFiles } from './static-files.js';
import { handleDownload, handleUpload } from './transfers.js';

/** What the routes need. */
export interface Routes {
  bridge: Bridge;
  guard: RequestGuard;
  page: StaticFiles;
}

/** A download link: `/files/<32 hexadecimal characters>`. */
const DOWNLOAD_PATH = /^\/files\/([0-9a-f]{32})$/;

/**
 * The host's HTTP routes: the page (`GET /`, its scripts and style), `POST /upload` and
 * `GET /files/<id>`. The WebSocket (`/ws`) arrives as an `upgrade` event, handled by the bridge.
 */
export function createRoutes({ bridge, guard, page }: Routes): RequestListener {
  return (request: IncomingMessage, response: ServerResponse): void => {
    route(request, response).catch((error: unknown) => {
      console.error('web: request failed', error);
      if (!response.headersSent) sendError(response, 500, { code: 'ERR_INTERNAL', message: 'The web host failed (see its log)' });
      else response.destroy();
    });
  };

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!guard.hostAllowed(request)) return sendError(response, 421, { code: 'ERR_FORBIDDEN', message: 'Unknown host name' });
    const url = new URL(request.url ?? '/', 'http://host');
    const download = DOWNLOAD_PATH.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/upload') return handleUpload(request, response, url, bridge);
    if (request.method === 'GET' && download !== null) return handleDownload(response, download[1]!, url, bridge);
    if (request.method === 'GET' && page.serve(url.pathname, response)) return;
    request.resume();
    sendError(response, 404, { code: 'ERR_NOT_FOUND', message: `No ${request.method} ${url.pathname} here` });
  }
}

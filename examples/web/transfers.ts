/**
 * The HTTP side of file transfers. The page posts a file's bytes, which stream straight into the
 * tab's `client.sendFile()`; a download link streams `client.download()` into the response. No
 * file is ever buffered whole or written to the host's disk.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { sanitizeFileName } from 'piechat';
import type { Bridge } from './bridge.js';
import { SECURITY_HEADERS, sendError, sendJson, statusFor } from './http-responses.js';
import { toPageError } from './page-shapes.js';
import type { PageError, UploadResponse } from './protocol.js';

const NO_SESSION = { code: 'ERR_FORBIDDEN', message: 'Unknown or expired session: reload the page' } as const;

/**
 * `POST /upload?session=…&room=…&name=…`, the file's bytes as the body (its `Content-Length`
 * is the size announced to the server). Answers with an {@link UploadResponse}.
 */
export async function handleUpload(request: IncomingMessage, response: ServerResponse, url: URL, bridge: Bridge): Promise<void> {
  const session = bridge.session(url.searchParams.get('session'));
  const room = url.searchParams.get('room');
  const name = url.searchParams.get('name');
  const size = Number(request.headers['content-length']);
  const refuse = (status: number, error: PageError): void => {
    // Read (and drop) what the browser is still sending, so that it gets the answer and not a reset.
    request.resume();
    if (!response.destroyed) sendError(response, status, error);
  };
  if (session === undefined) return refuse(403, NO_SESSION);
  if (room === null || name === null) return refuse(400, { code: 'ERR_BAD_INPUT', message: 'Expected `room` and `name` in the query' });
  if (!Number.isSafeInteger(size) || size < 0) return refuse(411, { code: 'ERR_BAD_INPUT', message: 'Expected a Content-Length' });

  // The SDK destroys a source that fails; destroying the request itself would kill the socket
  // before the answer. So the bytes go through a stream of our own.
  const body = new PassThrough();
  request.pipe(body);
  request.once('close', () => {
    if (!request.complete) body.destroy(new Error('The browser stopped sending the file'));
  });
  try {
    const file = await session.upload(body, { room, name, size });
    sendJson(response, 200, { file } satisfies UploadResponse);
  } catch (error) {
    request.unpipe(body);
    const pageError = toPageError(error);
    refuse(statusFor(pageError), pageError);
  }
}

/**
 * `GET /files/<id>?session=…`: the file, streamed from the PieChat server as it arrives. Its
 * SHA-256 is checked at the end: on a mismatch the response is cut, so the browser reports a
 * failed download instead of saving bad bytes as complete.
 */
export async function handleDownload(response: ServerResponse, fileId: string, url: URL, bridge: Bridge): Promise<void> {
  const session = bridge.session(url.searchParams.get('session'));
  if (session === undefined) return sendError(response, 403, NO_SESSION);
  try {
    const file = await session.file(fileId);
    if (file === undefined) return sendError(response, 404, { code: 'ERR_FILE_NOT_FOUND', message: `No file ${fileId} is shared with you` });
    // Headers only: they go out with the first byte, so an early refusal can still answer JSON.
    for (const [header, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(header, value);
    response.setHeader('Content-Type', 'application/octet-stream');
    response.setHeader('Content-Length', file.size);
    response.setHeader('Content-Disposition', contentDisposition(file.name));
    response.setHeader('Cache-Control', 'no-store');
    await session.download(fileId, responseBody(response));
  } catch (error) {
    const pageError = toPageError(error);
    if (!response.headersSent) sendError(response, statusFor(pageError), pageError);
    else response.destroy();
  }
}

/**
 * A `Writable` into `response`. The SDK checks `destination instanceof Writable`, which an HTTP
 * response is not at run time (it only types as one), so the bytes go through a PassThrough.
 * A browser that goes away destroys it, which cancels the download.
 */
function responseBody(response: ServerResponse): PassThrough {
  const body = new PassThrough();
  body.pipe(response);
  response.once('close', () => {
    if (!response.writableFinished) body.destroy(new Error('The browser closed the download'));
  });
  return body;
}

/**
 * `attachment` with the sanitised name: an ASCII `filename` for old clients and the exact name,
 * percent-encoded, as `filename*` (RFC 6266). No quote, backslash or control character survives.
 */
export function contentDisposition(name: string): string {
  const safe = sanitizeFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

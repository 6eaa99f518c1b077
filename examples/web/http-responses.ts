import type { ServerResponse } from 'node:http';
import type { PageError } from './protocol.js';

/** Headers on every answer: no sniffing of content types, no framing by other sites, no referrer (links carry the tab's session). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** Answers with a JSON body; any header set earlier (a download's) is dropped first. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  const bytes = Buffer.from(JSON.stringify(body));
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.byteLength, 'Cache-Control': 'no-store' });
  response.end(bytes);
}

/** Answers with `{ error }`. */
export function sendError(response: ServerResponse, status: number, error: PageError): void {
  sendJson(response, status, { error });
}

/** The HTTP status that fits a failure's code. */
export function statusFor(error: PageError): number {
  switch (error.code) {
    case 'ERR_BAD_INPUT':
    case 'ERR_INVALID_ROOM':
    case 'ERR_NOT_IN_ROOM':
      return 400;
    case 'ERR_FORBIDDEN':
      return 403;
    case 'ERR_FILE_NOT_FOUND':
      return 404;
    case 'ERR_FILE_TOO_LARGE':
    case 'ERR_QUOTA_EXCEEDED':
      return 413;
    case 'ERR_TOO_MANY_TRANSFERS':
    case 'ERR_RATE_LIMITED':
      return 429;
    case 'ERR_NOT_CONNECTED':
    case 'ERR_CLOSED':
      return 503;
    default:
      return 500;
  }
}

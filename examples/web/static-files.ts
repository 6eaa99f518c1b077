import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http-responses.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page may load only its own scripts and styles and talk only to this host (its WebSocket
 * included): injected markup could neither run nor send anything elsewhere.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * The page's files (`public/*.html`, `*.js`, `*.css`), read once at start: only those can be
 * served, so no request path ever reaches the file system.
 */
export class StaticFiles {
  readonly #files = new Map<string, StaticFile>();

  constructor(directory: string) {
    for (const name of readdirSync(directory)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType !== undefined) this.#files.set(`/${name}`, { body: readFileSync(join(directory, name)), contentType });
    }
  }

  /** Answers `path` (`/` is `index.html`) and returns true, or returns false if there is no such file. */
  serve(path: string, response: ServerResponse): boolean {
    const file = this.#files.get(path === '/' ? '/index.html' : path);
    if (file === undefined) return false;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': file.contentType,
      'Content-Length': file.body.byteLength,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    });
    response.end(file.body);
    return true;
  }
}

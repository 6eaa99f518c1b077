import type { IncomingMessage } from 'node:http';

/** Names under which a host bound to a loopback address is reached from its own machine. */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Bind addresses that mean "every interface". */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The host has no authentication (see README): these checks only keep other web sites out.
 *
 * - The `Host` header must name this host: a page of another site whose DNS name was pointed at
 *   127.0.0.1 (DNS rebinding) is refused. When bound to every interface, any name is accepted.
 * - A WebSocket must come from a page of this host (`Origin` equal to `http://<Host>`): another
 *   site's script cannot open a tab's chat in the user's browser.
 */
export class RequestGuard {
  readonly #names: Set<string> | undefined;

  /** `bindAddress` is the address the HTTP server listens on. */
  constructor(bindAddress: string) {
    const bracketed = bindAddress.includes(':') && !bindAddress.startsWith('[') ? `[${bindAddress}]` : bindAddress;
    this.#names = WILDCARD_ADDRESSES.has(bracketed) ? undefined : new Set([...LOOPBACK_NAMES, bracketed.toLowerCase()]);
  }

  /** True when the request's `Host` names this host. */
  hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host;
    if (host === undefined) return false;
    if (this.#names === undefined) return true;
    const name = host.replace(/:\d+$/, '').toLowerCase();
    return this.#names.has(name);
  }

  /** True when the request comes from a page this host served. */
  sameOrigin(request: IncomingMessage): boolean {
    return this.hostAllowed(request) && request.headers.origin === `http://${request.headers.host}`;
  }
}

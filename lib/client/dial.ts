import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { PieChatError } from '../errors.js';
import { PREAMBLE_LENGTH, PROTOCOL_VERSION, MAGIC } from '../protocol/constants.js';
import { encodeControl, encodePreamble } from '../protocol/encoder.js';
import { findPreamble } from '../transport/opening.js';

/** First byte of a TLS alert record: what a TLS server answers a plain client's preamble with. */
const TLS_ALERT_RECORD = 0x15;

/** Whether an error code is TLS refusing the connection: a failed handshake or an unverified certificate. */
function isTlsFailure(code: string): boolean {
  return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT') || code.startsWith('UNABLE_TO_') || code.includes('SELF_SIGNED');
}

/** Most bytes of line-mode prompt skipped while looking for the server's preamble. */
const MAX_SKIPPED_BYTES = 4096;

/** A socket whose preamble exchange is done; `rest` holds bytes received after the preamble. */
export interface DialedSocket {
  socket: Socket;
  rest: Buffer;
}

/** Where and how to dial. */
export interface DialOptions {
  host: string;
  port: number;
  /** TLS options, or undefined for plain TCP. */
  tls: ConnectionOptions | undefined;
  timeoutMs: number;
  /** The first frame to send after the preamble (the hello). */
  hello: object;
  /** Aborting it gives up the attempt with `ERR_CLOSED` (the client was closed). */
  signal: AbortSignal;
}

/**
 * Opens a TCP (or TLS) connection, sends the preamble and the hello, and waits for the server's
 * preamble. Rejects with `ERR_NOT_CONNECTED` (refused, unreachable), `ERR_TLS` (the TLS handshake
 * failed: an unverified certificate, a plain server; or a TLS server reached without TLS),
 * `ERR_TIMEOUT`, `ERR_PROTOCOL` (not a PieChat server, or another protocol version) or
 * `ERR_CLOSED` (aborted).
 */
export function dial(options: DialOptions): Promise<DialedSocket> {
  return new Promise<DialedSocket>((resolve, reject) => {
    const where = `${options.host}:${options.port}`;
    const tls = options.tls;
    const socket =
      tls === undefined
        ? connect({ host: options.host, port: options.port, noDelay: true })
        : connectTls({ ...(isIP(options.host) === 0 ? { servername: options.host } : {}), ...tls, host: options.host, port: options.port });
    let secured = tls === undefined;
    let received: Buffer = Buffer.alloc(0);
    const fail = (error: PieChatError): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      socket.cork();
      socket.write(encodePreamble(PROTOCOL_VERSION));
      socket.write(encodeControl(options.hello));
      socket.uncork();
    };
    const onSecure = (): void => {
      secured = true;
      onConnect();
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (tls === undefined && received[0] === TLS_ALERT_RECORD && received[1] === 3) {
        fail(new PieChatError('ERR_TLS', `${where} requires TLS: set the \`tls\` option`));
        return;
      }
      const start = findPreamble(received);
      if (start === -1) {
        if (received.length > MAX_SKIPPED_BYTES + MAGIC.length) fail(new PieChatError('ERR_PROTOCOL', `${where} is not a PieChat server`));
        return;
      }
      if (received.length < start + PREAMBLE_LENGTH) return;
      const version = received[start + MAGIC.length];
      if (version !== PROTOCOL_VERSION) {
        fail(new PieChatError('ERR_PROTOCOL', `${where} speaks protocol version ${version}, this client ${PROTOCOL_VERSION}`));
        return;
      }
      cleanup();
      resolve({ socket, rest: received.subarray(start + PREAMBLE_LENGTH) });
    };
    const onError = (error: Error): void => {
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      // A TLS alert may come after the client's side of the handshake is done (TLS 1.3 checks
      // client certificates then): still a TLS failure.
      // Only what TLS itself refused is ERR_TLS (final: retrying cannot fix a certificate); a
      // connection dropped during the handshake is an ordinary lost connection.
      if (tls !== undefined && isTlsFailure(code)) {
        fail(new PieChatError('ERR_TLS', `TLS handshake with ${where} failed: ${error.message}`, { cause: error }));
        return;
      }
      fail(new PieChatError('ERR_NOT_CONNECTED', `Could not connect to ${where} (${code})`, { cause: error }));
    };
    const onClose = (): void => {
      if (tls !== undefined && !secured) fail(new PieChatError('ERR_NOT_CONNECTED', `${where} closed the connection during the TLS handshake (is it a TLS server?)`));
      // TLS 1.3 servers check client certificates after the client's side of the handshake: a
      // close before any byte of PieChat is most likely a refused certificate.
      else if (tls !== undefined && received.length === 0) fail(new PieChatError('ERR_TLS', `${where} closed the connection right after the TLS handshake (did it refuse the client certificate?)`));
      else fail(new PieChatError('ERR_NOT_CONNECTED', `${where} closed the connection before the handshake${tls === undefined ? ' (if it requires TLS, set the `tls` option)' : ''}`));
    };
    const timer = setTimeout(() => fail(new PieChatError('ERR_TIMEOUT', `No handshake with ${where} within ${options.timeoutMs} ms`)), options.timeoutMs);
    const onAbort = (): void => fail(new PieChatError('ERR_CLOSED', 'The client was closed'));
    const cleanup = (): void => {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('secureConnect', onSecure);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    options.signal.addEventListener('abort', onAbort);
    if (tls === undefined) socket.on('connect', onConnect);
    else socket.on('secureConnect', onSecure);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

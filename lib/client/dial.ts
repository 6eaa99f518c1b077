import { connect, type Socket } from 'node:net';
import { PieChatError } from '../errors.js';
import { PREAMBLE_LENGTH, PROTOCOL_VERSION, MAGIC } from '../protocol/constants.js';
import { encodeControl, encodePreamble } from '../protocol/encoder.js';
import { findPreamble } from '../transport/opening.js';

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
  timeoutMs: number;
  /** The first frame to send after the preamble (the hello). */
  hello: object;
  /** Aborting it gives up the attempt with `ERR_CLOSED` (the client was closed). */
  signal: AbortSignal;
}

/**
 * Opens a TCP connection, sends the preamble and the hello, and waits for the server's
 * preamble. Rejects with `ERR_NOT_CONNECTED` (refused, unreachable), `ERR_TIMEOUT`,
 * `ERR_PROTOCOL` (not a PieChat server, or another protocol version) or `ERR_CLOSED` (aborted).
 */
export function dial(options: DialOptions): Promise<DialedSocket> {
  return new Promise<DialedSocket>((resolve, reject) => {
    const where = `${options.host}:${options.port}`;
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
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
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
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
      fail(new PieChatError('ERR_NOT_CONNECTED', `Could not connect to ${where} (${code})`, { cause: error }));
    };
    const onClose = (): void => fail(new PieChatError('ERR_NOT_CONNECTED', `${where} closed the connection before the handshake`));
    const timer = setTimeout(() => fail(new PieChatError('ERR_TIMEOUT', `No handshake with ${where} within ${options.timeoutMs} ms`)), options.timeoutMs);
    const onAbort = (): void => fail(new PieChatError('ERR_CLOSED', 'The client was closed'));
    const cleanup = (): void => {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    options.signal.addEventListener('abort', onAbort);
    socket.on('connect', onConnect);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

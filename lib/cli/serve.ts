import { readFileSync } from 'node:fs';
import { ChatServer } from '../server/chat-server.js';
import type { ChatServerOptions } from '../server/options.js';
import { printable } from '../util/text.js';
import { parse, portOf, UsageError } from './args.js';

/** Usage of `piechat serve`. */
export const SERVE_USAGE = 'piechat serve [--port 9009] [--host 0.0.0.0] [--tls-key <key.pem> --tls-cert <cert.pem>]';

/** Server options for `--tls-key` and `--tls-cert` (both or neither). */
function tlsOf(key: string | undefined, cert: string | undefined): ChatServerOptions {
  if (key === undefined && cert === undefined) return {};
  if (key === undefined || cert === undefined) throw new UsageError('--tls-key and --tls-cert go together');
  try {
    return { tls: { key: readFileSync(key), cert: readFileSync(cert) } };
  } catch (error) {
    throw new UsageError(`cannot read the TLS key or certificate (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** `piechat serve`: runs a server in the foreground, logging what happens, until Ctrl-C. */
export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, { port: { type: 'string', short: 'p' }, host: { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-cert': { type: 'string' } });
  const server = new ChatServer(tlsOf(values['tls-key'], values['tls-cert']));
  const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  server.on('connect', (user) => log(`${user.name} connected from ${user.address} (${user.mode})`));
  server.on('join', ({ user, room }) => log(`${user} entered ${room}`));
  server.on('leave', ({ user, room, reason }) => log(`${user} left ${room} (${reason})`));
  server.on('disconnect', ({ user, reason }) => log(`${user} is offline (${reason})`));
  server.on('message', (m) => log(m.room === undefined ? `${m.from} -> ${m.to}: ${printable(m.text)}` : `[${m.room}] ${m.from}: ${printable(m.text)}`));
  server.on('client-error', ({ address, user, error }) => log(`closed ${user ?? address}: ${error.code} ${printable(error.message)}`));
  server.on('file', (f) => log(`${f.from} shared ${printable(f.name)} (${f.size} bytes) ${f.room === undefined ? `with ${f.to}` : `in ${f.room}`}, id ${f.id}`));
  server.on('transfer-end', (e) => {
    if (e.error !== undefined) log(`${e.direction} of ${printable(e.name)} by ${e.user} ended at ${e.bytes}/${e.total} bytes: ${e.error.code}`);
  });
  server.on('slow-consumer', ({ user }) => log(`${user} stopped reading and was disconnected`));
  server.on('error', (error) => log(`error: ${error.message}`));
  const address = await server.listen(portOf(values.port), values.host);
  log(`PieChat listening on ${address.address}:${address.port}${values['tls-key'] === undefined ? '' : ' with TLS'} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log('shutting down');
      void server.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import test, { type ExecutionContext } from 'ava';
import { ChatClient, ChatServer, type PieChatError, type AuthRequest, type ChatServerOptions } from '../lib/index.js';
import { collect, nextEvent } from './helpers/chat.js';
import { ensureBuilt } from './helpers/build.js';
import { makeCertificates, type TestCertificates } from './helpers/certs.js';
import { cli } from './helpers/cli.js';
import { temporaryDirectory } from './helpers/files.js';
import { within } from './helpers/wait.js';

let certs: TestCertificates;
test.before(async () => {
  certs = await makeCertificates();
  // The CLI test runs dist/: built (or waited for) up front, never while another file packs it.
  await ensureBuilt();
});

/** A server on 127.0.0.1:0 with `options`, closed after the test. */
async function serve(t: ExecutionContext, options: ChatServerOptions): Promise<{ server: ChatServer; port: number }> {
  const server = new ChatServer({ rooms: ['lobby'], storage: await temporaryDirectory(t), ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  return { server, port };
}

/** A client closed after the test. */
function client(t: ExecutionContext, options: ConstructorParameters<typeof ChatClient>[0]): ChatClient {
  const created = new ChatClient({ host: 'localhost', ...options });
  t.teardown(() => created.close());
  return created;
}

test('over TLS, clients that trust the server chat and move files', async (t) => {
  const { port } = await serve(t, { tls: { key: certs.serverKey, cert: certs.serverCert } });
  const alice = client(t, { port, name: 'alice', tls: { ca: certs.ca } });
  const bob = client(t, { port, name: 'bob', tls: { ca: certs.ca } });
  await alice.connect();
  await bob.connect();
  const received = nextEvent(bob, 'message');
  await alice.send('secret hello', { room: 'lobby' });
  t.is((await received).text, 'secret hello');
  const bytes = Buffer.alloc(3 * 1024 * 1024, 'piechat');
  const file = await alice.sendFile(bytes, { room: 'lobby', name: 'over-tls.bin' });
  const chunks: Buffer[] = [];
  const { Writable } = await import('node:stream');
  await bob.download(file.id, new Writable({ write: (chunk: Buffer, _encoding, done) => void (chunks.push(chunk), done()) }));
  t.true(Buffer.concat(chunks).equals(bytes));
});

test('mutual TLS: the client certificate reaches authenticate, which names the user after it', async (t) => {
  const requests: AuthRequest[] = [];
  const { server, port } = await serve(t, {
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
    authenticate: (request) => {
      requests.push(request);
      const commonName = request.tls?.subject?.CN;
      return request.tls?.authorized === true && commonName !== undefined ? { allow: true, name: commonName, data: { organisation: request.tls.subject!.O } } : false;
    },
  });
  const alice = client(t, { port, name: 'anyone', tls: { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert } });
  const info = await alice.connect();
  t.is(info.name, 'alice', 'the server chose the name from the certificate');
  t.is(alice.name, 'alice');
  t.deepEqual(server.users().map((user) => user.name), ['alice']);
  t.like(requests[0], { name: 'anyone', mode: 'binary', resuming: false, tls: { authorized: true, subject: { CN: 'alice', O: 'PieChat Tests' } } });
  t.regex(requests[0]!.tls!.fingerprint256!, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

test('mutual TLS: a certificate from an unknown CA is refused in the TLS handshake with ERR_TLS, and not retried', async (t) => {
  const { server, port } = await serve(t, { tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true } });
  const tlsErrors = collect(server, 'client-error');
  const mallory = client(t, { port, name: 'mallory', tls: { ca: certs.ca, key: certs.rogueKey, cert: certs.rogueCert } });
  const attempts = collect(mallory, 'reconnecting');
  const error = await t.throwsAsync<PieChatError>(mallory.connect());
  t.is(error.code, 'ERR_TLS', error.message);
  t.is(mallory.state, 'idle');
  t.deepEqual(attempts, []);
  t.deepEqual(server.users(), []);
  await tlsErrors.atLeast(1).catch(() => undefined);
  t.true(tlsErrors.every((event) => event.error.code === 'ERR_TLS'));
});

test('a server certificate the client does not trust is ERR_TLS', async (t) => {
  const { port } = await serve(t, { tls: { key: certs.serverKey, cert: certs.serverCert } });
  const alice = client(t, { port, name: 'alice', tls: true });
  const error = await t.throwsAsync<PieChatError>(alice.connect());
  t.is(error.code, 'ERR_TLS');
  t.regex(error.message, /certificate/i);
});

test('a plain client against a TLS server fails fast with a clear error, not a hang', async (t) => {
  const { port } = await serve(t, { tls: { key: certs.serverKey, cert: certs.serverCert } });
  const alice = client(t, { port, name: 'alice', connectTimeoutMs: 30_000 });
  const error = await within(t.throwsAsync<PieChatError>(alice.connect()), 'the refusal', 3_000);
  t.is(error.code, 'ERR_TLS');
  t.regex(error.message, /requires TLS/);
});

test('a TLS client against a plain server fails fast with ERR_TLS, not a hang', async (t) => {
  const { server, port } = await serve(t, {});
  const alice = client(t, { port, name: 'alice', tls: { ca: certs.ca }, connectTimeoutMs: 30_000 });
  const error = await within(t.throwsAsync<PieChatError>(alice.connect()), 'the refusal', 3_000);
  t.is(error.code, 'ERR_TLS');
  // The plain server goes on serving plain clients.
  const bob = client(t, { host: '127.0.0.1', port, name: 'bob' });
  await bob.connect();
  t.deepEqual(server.users().map((user) => user.name), ['bob']);
});

test('line mode works over TLS too (openssl s_client style)', async (t) => {
  const { server, port } = await serve(t, { tls: { key: certs.serverKey, cert: certs.serverCert }, lineModeDelayMs: 50 });
  const socket = connectTls({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost' });
  t.teardown(() => socket.destroy());
  let output = '';
  socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await nextEvent(socket as never, 'secureConnect' as never).catch(() => undefined);
  const until = async (pattern: RegExp): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`Never saw ${pattern}; got ${JSON.stringify(output)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await until(/name/i);
  socket.write('carol\n');
  await until(/Hello carol/);
  t.deepEqual(server.users().map((user) => user.name), ['carol']);
});

test('the CLI speaks TLS: serve --tls-key/--tls-cert, send --ca', async (t) => {
  const directory = await temporaryDirectory(t);
  const paths = { key: join(directory, 'server.key'), cert: join(directory, 'server.crt'), ca: join(directory, 'ca.crt') };
  await Promise.all([writeFile(paths.key, certs.serverKey), writeFile(paths.cert, certs.serverCert), writeFile(paths.ca, certs.ca)]);
  const server = cli(t, ['serve', '--port', '0', '--host', '127.0.0.1', '--tls-key', paths.key, '--tls-cert', paths.cert], directory);
  const listening = await server.waitForLine(/listening on .*:(\d+) with TLS/, 20_000);
  const port = /:(\d+) with TLS/.exec(listening)![1]!;
  const source = join(directory, 'note.txt');
  await writeFile(source, 'over TLS from the command line');
  const sent = cli(t, ['send', source, '--host', 'localhost', '--port', port, '--ca', paths.ca, '--name', 'alice'], directory);
  t.deepEqual(await sent.waitForExit(20_000), { code: 0, signal: null }, sent.output);
  const plain = cli(t, ['send', source, '--host', 'localhost', '--port', port, '--name', 'bob'], directory);
  t.not((await plain.waitForExit(20_000)).code, 0);
  t.true(plain.stderr.some((line) => line.includes('ERR_TLS')), plain.output);
});

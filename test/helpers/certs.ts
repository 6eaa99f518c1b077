import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files made for one test run. */
export interface TestCertificates {
  /** The test CA's certificate: clients trust it for the server, the server for clients. */
  ca: string;
  /** Server key and certificate, for `localhost` and `127.0.0.1`. */
  serverKey: string;
  serverCert: string;
  /** A client certificate (CN=alice) signed by the test CA, for mutual TLS. */
  clientKey: string;
  clientCert: string;
  /** A client certificate (CN=mallory) signed by another CA, which the server does not trust. */
  rogueKey: string;
  rogueCert: string;
}

/** A fresh P-256 key and a certificate for `subject`, signed by `issuer` (self-signed without one). */
async function issue(directory: string, name: string, subject: string, extensions: string, issuer?: string): Promise<void> {
  const key = join(directory, `${name}.key`);
  const certificate = join(directory, `${name}.crt`);
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key];
  const extfile = join(directory, `${name}.ext`);
  await writeFile(extfile, extensions);
  if (issuer === undefined) {
    await run('openssl', ['req', '-x509', ...curve, '-out', certificate, '-days', '2', '-subj', subject, '-extensions', 'v3', '-config', await config(directory, name, extensions)]);
    return;
  }
  const request = join(directory, `${name}.csr`);
  await run('openssl', ['req', ...curve, '-out', request, '-subj', subject]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    join(directory, `${issuer}.crt`),
    '-CAkey',
    join(directory, `${issuer}.key`),
    '-CAcreateserial',
    '-out',
    certificate,
    '-days',
    '2',
    '-extfile',
    extfile,
  ]);
}

/** A minimal openssl config whose `v3` section holds `extensions` (for self-signed CAs). */
async function config(directory: string, name: string, extensions: string): Promise<string> {
  const path = join(directory, `${name}.cnf`);
  await writeFile(path, `[req]\ndistinguished_name = dn\n[dn]\n[v3]\n${extensions}`);
  return path;
}

/**
 * Makes a test CA, a server certificate and client certificates with `openssl` (installed by
 * `.ci/run`), in a temporary directory removed afterwards.
 */
export async function makeCertificates(): Promise<TestCertificates> {
  const directory = await mkdtemp(join(tmpdir(), 'piechat-certs-'));
  try {
    const caExtensions = 'basicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\n';
    await issue(directory, 'ca', '/CN=PieChat Test CA', caExtensions);
    await issue(directory, 'rogue-ca', '/CN=Rogue CA', caExtensions);
    await issue(directory, 'server', '/CN=localhost', 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n', 'ca');
    await issue(directory, 'client', '/CN=alice/O=PieChat Tests', 'extendedKeyUsage = clientAuth\n', 'ca');
    await issue(directory, 'rogue', '/CN=mallory', 'extendedKeyUsage = clientAuth\n', 'rogue-ca');
    const read = (file: string): Promise<string> => readFile(join(directory, file), 'utf8');
    return {
      ca: await read('ca.crt'),
      serverKey: await read('server.key'),
      serverCert: await read('server.crt'),
      clientKey: await read('client.key'),
      clientCert: await read('client.crt'),
      rogueKey: await read('rogue.key'),
      rogueCert: await read('rogue.crt'),
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import { cpus, platform, release, totalmem } from 'node:os';
import { Worker } from './worker.js';

/** One line describing the machine the benchmark ran on. */
export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${platform()} ${release()}, Node.js ${process.version}`;
}

/** SHA-256 throughput of this machine, MiB/s (node:crypto, one core). */
export function sha256Speed(mib = 256): number {
  const block = Buffer.alloc(1024 * 1024, 7);
  const hash = createHash('sha256');
  for (let index = 0; index < 64; index++) hash.update(block); // warm-up
  const started = performance.now();
  for (let index = 0; index < mib; index++) hash.update(block);
  hash.digest();
  return mib / ((performance.now() - started) / 1000);
}

/** Raw node:net throughput of a file into a byte-counting server in another process, MiB/s. */
export async function rawNetSpeed(path: string, size: number): Promise<number> {
  const sink = new Worker('../limits-main.ts', []);
  try {
    const { port } = await sink.request<{ port: number }>({ type: 'start' });
    const started = performance.now();
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    createReadStream(path, { highWaterMark: 64 * 1024 }).pipe(socket);
    const [reply] = (await once(socket, 'data')) as [Buffer];
    const seconds = (performance.now() - started) / 1000;
    socket.destroy();
    if (Number(reply.toString()) !== size) throw new Error('the sink counted a different size');
    return size / (1024 * 1024) / seconds;
  } finally {
    await sink.stop();
  }
}

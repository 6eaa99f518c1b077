import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * Durable write speed of the disk under `directory`, MiB/s: a new file of `size` bytes copied from
 * `source`, then `fdatasync` (what a store that flushes each file must wait for).
 */
export async function diskSpeed(source: string, directory: string, size: number): Promise<number> {
  const path = join(directory, 'disk-speed.bin');
  const input = await open(source, 'r');
  const output = await open(path, 'w');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const started = performance.now();
  try {
    for (let offset = 0; offset < size; offset += buffer.length) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, offset);
      await output.write(buffer, 0, bytesRead);
    }
    await output.datasync();
    return size / (1024 * 1024) / ((performance.now() - started) / 1000);
  } finally {
    await input.close();
    await output.close();
    await rm(path, { force: true });
  }
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

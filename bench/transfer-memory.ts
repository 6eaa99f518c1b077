// Uploads a large file through PieChat and downloads it back, each side in its own process,
// and prints how much each side's RSS grew above its baseline (peak - baseline).
//
//   npx tsx --expose-gc bench/transfer-memory.ts [sizeMiB=1024]
//
// Target: growth under 64 MiB on each side, whatever the file size.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatClient } from '../lib/index.js';
import { RssSampler } from './rss-sampler.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const directory = await mkdtemp(join(tmpdir(), 'piechat-memory-'));

/** Writes `size` pseudo-random bytes (a random 1 MiB block, varied per block) and returns the SHA-256. */
async function makeFile(path: string, size: number): Promise<string> {
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  const block = randomBytes(MiB);
  for (let written = 0; written < size; written += MiB) {
    block.writeUInt32BE(written / MiB, 0);
    const piece = block.subarray(0, Math.min(MiB, size - written));
    hash.update(piece);
    await handle.write(piece);
  }
  await handle.close();
  return hash.digest('hex');
}

type ServerMessage = { type: 'listening'; port: number } | { type: 'started' } | { type: 'stopped'; baseline: number; peak: number; growth: number };

const child = fork(new URL('./transfer-memory-server.ts', import.meta.url).pathname, [join(directory, 'store')], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
});
const next = async <T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> => {
  for (;;) {
    const [message] = (await once(child, 'message')) as [ServerMessage];
    if (message.type === type) return message as Extract<ServerMessage, { type: T }>;
  }
};

try {
  const { port } = await next('listening');
  const source = join(directory, 'source.bin');
  const sha256 = await makeFile(source, sizeMiB * MiB);
  const client = new ChatClient({ host: '127.0.0.1', port, name: 'bench' });
  await client.connect();
  // Warm-up: one small transfer each way, so that both baselines include the code paths.
  const warm = await client.sendFile(randomBytes(8 * MiB), { room: 'lobby', name: 'warm.bin' });
  await client.download(warm.id, join(directory, 'warm-copy.bin'));

  const report = (side: string, sample: { baseline: number; peak: number; growth: number }): void =>
    console.log(`${side.padEnd(6)} RSS baseline ${(sample.baseline / MiB).toFixed(1)} MiB, peak ${(sample.peak / MiB).toFixed(1)} MiB, growth ${(sample.growth / MiB).toFixed(1)} MiB`);

  for (const direction of ['upload', 'download'] as const) {
    const clientSampler = new RssSampler();
    child.send({ type: 'start' });
    await next('started');
    clientSampler.start();
    const started = performance.now();
    const file =
      direction === 'upload'
        ? await client.sendFile(source, { room: 'lobby', name: 'big.bin' })
        : await client.download((await client.files({ room: 'lobby' })).find((entry) => entry.name === 'big.bin')!.id, join(directory, 'copy.bin'));
    const seconds = (performance.now() - started) / 1000;
    const clientSample = clientSampler.stop();
    child.send({ type: 'stop' });
    const serverSample = await next('stopped');
    if (file.sha256 !== sha256) throw new Error(`${direction}: SHA-256 mismatch`);
    console.log(`${direction}: ${sizeMiB} MiB in ${seconds.toFixed(2)} s (${(sizeMiB / seconds).toFixed(0)} MiB/s), SHA-256 verified`);
    report('server', serverSample);
    report('client', clientSample);
  }
  const copy = createHash('sha256').update(await readFile(join(directory, 'copy.bin'))).digest('hex');
  if (copy !== sha256) throw new Error('the downloaded copy differs');
  await client.close();
} finally {
  child.send({ type: 'exit' });
  await once(child, 'exit');
  await rm(directory, { recursive: true, force: true });
}

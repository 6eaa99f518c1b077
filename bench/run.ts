// npm run bench [-- --quick] [-- --reps N] [-- --peers PieChat,ws]
// Runs every workload for every peer, each server and its clients in their own processes, over
// loopback, repeating interleaved rounds, and writes docs/benchmarks.md (and the raw numbers to
// bench/results/latest.json).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { diskSpeed, machineLine, rawNetSpeed, sha256Speed } from './harness/machine.js';
import { clusterFanout } from './cluster-fanout.js';
import { renderReport } from './harness/report.js';
import type { BenchResults, Memory, PeerRun } from './harness/results.js';
import { Worker } from './harness/worker.js';
import { PEERS } from './peers/index.js';
import type { Peer } from './peers/types.js';
import type { FanoutResult } from './workloads/fanout.js';
import type { Latency } from './workloads/round-trip.js';
import type { ChatDuringUpload, Throughput } from './workloads/transfers.js';

const MiB = 1024 * 1024;
/** Size of the upload each uploading client makes first, unmeasured. */
const WARM_FILE_MiB = 32;
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, reps: { type: 'string' }, peers: { type: 'string' }, out: { type: 'string', default: 'docs/benchmarks.md' } },
});
const quick = values.quick === true;
const repetitions = Math.max(3, Number(values.reps ?? 3));
// The transfers-only diagnostic variant runs in full runs, or when asked for by name.
const peers =
  values.peers === undefined
    ? PEERS.filter((peer) => !(quick && peer.uploadsOnly === true))
    : PEERS.filter((peer) => values.peers!.split(',').includes(peer.name));
const sizes = quick
  ? { fanout10: 10_000, fanout100: 1_000, roundTrips: 3_000, roundTripWarmup: 2_000, uploadMiB: 256, chatUploadMiB: 256, chatIdleSamples: 1_000, idleConnections: 2_000 }
  : { fanout10: 100_000, fanout100: 15_000, roundTrips: 20_000, roundTripWarmup: 5_000, uploadMiB: 1024, chatUploadMiB: 1024, chatIdleSamples: 5_000, idleConnections: 10_000 };

const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** Writes `size` bytes of random-looking data (a random MiB, varied per MiB) and returns its SHA-256. */
async function makeFile(path: string, size: number): Promise<string> {
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  const block = randomBytes(MiB);
  for (let offset = 0; offset < size; offset += MiB) {
    block.writeUInt32BE(offset / MiB, 0);
    const piece = block.subarray(0, Math.min(MiB, size - offset));
    hash.update(piece);
    await handle.write(piece);
  }
  await handle.close();
  return hash.digest('hex');
}

/**
 * Writes and deletes a file of `mib` MiB, so that the next allocations of memory (page cache,
 * buffers) reuse pages just freed: this machine's first pass through memory it has not used
 * lately is several times slower (its host hands pages back lazily), which would otherwise land
 * in whichever measurement touches new memory first.
 */
async function warmMemory(directory: string, mib: number): Promise<void> {
  const path = join(directory, 'warm-memory.bin');
  await makeFile(path, mib * MiB);
  await rm(path);
}

async function measurePeer(peer: Peer, work: string, files: { upload: string; warm: string }): Promise<PeerRun> {
  const peerName = peer.name;
  const storage = join(work, 'storage');
  await rm(storage, { recursive: true, force: true });
  await mkdir(storage, { recursive: true });
  const phase = (() => {
    let last = performance.now();
    const times: string[] = [];
    return (name?: string): string => {
      const now = performance.now();
      if (name !== undefined) times.push(`${name} ${((now - last) / 1000).toFixed(1)}s`);
      last = now;
      return times.join(', ');
    };
  })();
  const server = new Worker('../server-main.ts', [peerName, storage]);
  const client = new Worker('../client-main.ts', [peerName]);
  try {
    const { port } = await server.request<{ port: number }>({ type: 'start' });
    const rss = async (): Promise<number> => (await server.request<{ rss: number }>({ type: 'rss' })).rss;

    phase('start');
    let chat: Pick<PeerRun, 'idle' | 'fanout10' | 'fanout100' | 'roundTrip'> | undefined;
    if (peer.uploadsOnly !== true) {
      const before = await rss();
      const { seconds } = await client.request<{ seconds: number }>({ type: 'idle-connect', port, count: sizes.idleConnections });
      const after = await rss();
      await client.request({ type: 'idle-close' });
      const idle = { connections: sizes.idleConnections, seconds, bytesPerConnection: (after - before) / sizes.idleConnections };
      phase('idle');
      const fanout10 = await client.request<FanoutResult>({ type: 'fanout', port, receivers: 10, messages: sizes.fanout10, window: 1000 });
      const fanout100 = await client.request<FanoutResult>({ type: 'fanout', port, receivers: 100, messages: sizes.fanout100, window: 1000 });
      phase('fan-out');
      const roundTrip = await client.request<Latency>({ type: 'round-trip', port, warmup: sizes.roundTripWarmup, samples: sizes.roundTrips });
      chat = { idle, fanout10, fanout100, roundTrip };
    }

    phase('round trip');
    await client.request({ type: 'uploader', port, warmPath: files.warm, warmSize: WARM_FILE_MiB * MiB, warmRoundTrips: sizes.roundTripWarmup });
    // Both processes start each measured transfer with their garbage collected, every peer alike.
    const settle = async (): Promise<void> => {
      await server.request({ type: 'rss' });
      await client.request({ type: 'gc' });
    };
    const sampled = async (request: object): Promise<Throughput & { server: Memory; client: Memory }> => {
      await settle();
      await server.request({ type: 'sample-start' });
      await client.request({ type: 'sample-start' });
      const result = await client.request<Throughput>(request);
      const clientMemory = await client.request<Memory>({ type: 'sample-stop' });
      const serverMemory = await server.request<Memory>({ type: 'sample-stop' });
      return { ...result, server: serverMemory, client: clientMemory };
    };
    phase('uploader warm-up');
    // Each measured transfer lands in warm memory, for every peer alike (see warmMemory).
    await warmMemory(work, sizes.uploadMiB + (quick ? 0 : 256));
    const upload = await sampled({ type: 'upload', path: files.upload, size: sizes.uploadMiB * MiB });
    phase('upload');
    let download;
    if (peerName.startsWith('PieChat')) {
      const directory = join(work, 'downloads');
      await rm(directory, { recursive: true, force: true });
      if (!quick) await warmMemory(work, sizes.uploadMiB + 256);
      download = await sampled({ type: 'download', directory, size: sizes.uploadMiB * MiB });
      await rm(directory, { recursive: true, force: true });
    }
    await warmMemory(work, sizes.chatUploadMiB + (quick ? 0 : 256));
    await settle();
    const chatDuringUpload = await client.request<ChatDuringUpload>({
      type: 'chat-during-upload',
      path: files.upload,
      size: sizes.chatUploadMiB * MiB,
      idleSamples: sizes.chatIdleSamples,
    });
    await client.request({ type: 'uploader-close' });
    phase('download + chat during upload');
    if (process.env.BENCH_PHASES !== undefined) log(`  ${peerName}: ${phase()}`);
    return { ...chat, upload, ...(download === undefined ? {} : { download }), chatDuringUpload };
  } finally {
    await client.stop();
    await server.stop();
    await rm(storage, { recursive: true, force: true });
  }
}

const work = await mkdtemp(join(tmpdir(), 'piechat-bench-'));
try {
  const files = { upload: join(work, 'upload.bin'), warm: join(work, 'warm.bin') };
  log(`preparing: ${sizes.uploadMiB} MiB upload file, warming memory`);
  await makeFile(files.upload, Math.max(sizes.uploadMiB, sizes.chatUploadMiB) * MiB);
  await makeFile(files.warm, WARM_FILE_MiB * MiB);
  await warmMemory(work, Math.max(sizes.uploadMiB, sizes.chatUploadMiB) + 256);
  const limits = {
    rawNetMiBps: await rawNetSpeed(files.upload, Math.max(sizes.uploadMiB, sizes.chatUploadMiB) * MiB),
    sha256MiBps: sha256Speed(),
    diskMiBps: await diskSpeed(files.upload, work, sizes.uploadMiB * MiB),
  };
  log(`machine limits: raw node:net ${limits.rawNetMiBps.toFixed(0)} MiB/s, SHA-256 ${limits.sha256MiBps.toFixed(0)} MiB/s, disk ${limits.diskMiBps.toFixed(0)} MiB/s`);

  const runs: Record<string, PeerRun[]> = Object.fromEntries(peers.map((peer) => [peer.name, []]));
  for (let repetition = 0; repetition < repetitions; repetition++) {
    // Interleaved: each round runs every peer once, starting with a different one.
    const order = peers.map((_, index) => peers[(index + repetition) % peers.length]!);
    for (const peer of order) {
      log(`round ${repetition + 1}/${repetitions}: ${peer.name}`);
      runs[peer.name]!.push(await measurePeer(peer, work, files));
    }
  }

  const results: BenchResults = {
    quick,
    date: new Date().toISOString().slice(0, 10),
    machine: machineLine(),
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    repetitions,
    sizes,
    limits,
    runs,
  };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
  log('cluster fan-out (two nodes through Redis, next to one node)');
  const cluster = await clusterFanout(quick, log);
  await writeFile(values.out!, `${renderReport(results)}\n${cluster}`);
  log(`wrote ${values.out} and bench/results/latest.json`);
} finally {
  await rm(work, { recursive: true, force: true });
}

import type { BenchClient } from '../peers/types.js';
import { latencyOf, timeRoundTrips, type Latency } from './round-trip.js';

/** Throughput of one transfer. */
export interface Throughput {
  mibPerSecond: number;
  seconds: number;
}

const MiB = 1024 * 1024;

/** Times one upload of `size` bytes. */
export async function timeUpload(client: BenchClient, path: string, size: number): Promise<Throughput> {
  const started = performance.now();
  await client.upload(path, size);
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSecond: size / MiB / seconds, seconds };
}

/** Times one download of the last file uploaded (PieChat). */
export async function timeDownload(client: BenchClient, directory: string, size: number): Promise<Throughput> {
  if (client.downloadLast === undefined) throw new Error('this peer cannot download');
  const started = performance.now();
  await client.downloadLast(directory);
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSecond: size / MiB / seconds, seconds };
}

/** What the chat-during-upload workload measured. */
export interface ChatDuringUpload {
  idle: Latency;
  during: Latency;
  upload: Throughput;
}

/**
 * Round trips on an idle connection, then round trips on the same connection, back to back, for
 * as long as a large upload runs on it.
 */
export async function chatDuringUpload(
  client: BenchClient,
  params: { path: string; size: number; idleSamples: number },
): Promise<ChatDuringUpload> {
  const idle = latencyOf(await timeRoundTrips(client, 'idle', params.idleSamples));
  let done = false;
  const upload = timeUpload(client, params.path, params.size).finally(() => (done = true));
  const during = await timeRoundTrips(client, 'busy', Number.MAX_SAFE_INTEGER, () => done);
  return { idle, during: latencyOf(during), upload: await upload };
}

import type { BenchClient, Peer } from '../peers/types.js';
import { quantile } from '../harness/stats.js';
import { closeAll, connectMany } from './connect-many.js';

/** Latency percentiles in microseconds. */
export interface Latency {
  p50: number;
  p99: number;
  samples: number;
}

/** Times `count` sequential round trips of `client`, in microseconds. */
export async function timeRoundTrips(client: BenchClient, label: string, count: number, until?: () => boolean): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count && (until === undefined || !until()); index++) {
    const started = process.hrtime.bigint();
    await client.roundTrip(`${label}-${index}`);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return times;
}

/** p50 and p99 of latencies. */
export function latencyOf(times: readonly number[]): Latency {
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), samples: times.length };
}

/**
 * A client alone in the room sends a message and waits for it to come back, `warmup` times, then
 * `samples` times measured.
 */
export async function roundTrip(peer: Peer, port: number, params: { warmup: number; samples: number }): Promise<Latency> {
  const [client] = await connectMany(peer, port, 'echo', 1, 'chat');
  try {
    await timeRoundTrips(client!, 'warm', params.warmup);
    return latencyOf(await timeRoundTrips(client!, 'rt', params.samples));
  } finally {
    await closeAll([client!]);
  }
}

import type { FanoutResult } from '../workloads/fanout.js';
import type { Latency } from '../workloads/round-trip.js';
import type { ChatDuringUpload, Throughput } from '../workloads/transfers.js';

/** Peak RSS growth (bytes) of a process over one transfer. */
export interface Memory {
  baseline: number;
  peak: number;
  growth: number;
}

/** A transfer's speed and both sides' memory. */
export interface MeasuredTransfer extends Throughput {
  server: Memory;
  client: Memory;
}

/** Everything measured for one peer in one repetition (the chat workloads are absent for a transfers-only variant). */
export interface PeerRun {
  idle?: { connections: number; seconds: number; bytesPerConnection: number };
  fanout10?: FanoutResult;
  fanout100?: FanoutResult;
  roundTrip?: Latency;
  upload: MeasuredTransfer;
  download?: MeasuredTransfer;
  chatDuringUpload: ChatDuringUpload;
}

/** A whole benchmark run. */
export interface BenchResults {
  quick: boolean;
  date: string;
  machine: string;
  command: string;
  repetitions: number;
  sizes: {
    fanout10: number;
    fanout100: number;
    roundTrips: number;
    roundTripWarmup: number;
    uploadMiB: number;
    chatUploadMiB: number;
    chatIdleSamples: number;
    idleConnections: number;
  };
  limits: { rawNetMiBps: number; sha256MiBps: number; diskMiBps: number };
  runs: Record<string, PeerRun[]>;
}

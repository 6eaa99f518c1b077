import type { BenchResults, PeerRun } from './results.js';
import { summarise } from './stats.js';

const MiB = 1024 * 1024;

/** One measured quantity, read from each run. */
interface Metric {
  title: string;
  better: 'higher' | 'lower';
  read: (run: PeerRun) => number | undefined;
  format: (value: number) => string;
}

const number = (digits: number) => (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const micros = (value: number) => `${value.toFixed(0)} µs`;
const millis = (value: number) => `${(value / 1000).toFixed(2)} ms`;
const mibps = (value: number) => `${value.toFixed(0)} MiB/s`;
const mib = (value: number) => `${(value / MiB).toFixed(1)} MiB`;
const kib = (value: number) => `${(value / 1024).toFixed(1)} KiB`;
const seconds = (value: number) => `${value.toFixed(2)} s`;

const METRICS = {
  fanout10: { title: 'fan-out, 10 receivers (deliveries/s)', better: 'higher', read: (run) => run.fanout10?.deliveriesPerSecond, format: number(0) },
  fanout100: { title: 'fan-out, 100 receivers (deliveries/s)', better: 'higher', read: (run) => run.fanout100?.deliveriesPerSecond, format: number(0) },
  rtP50: { title: 'round trip p50', better: 'lower', read: (run) => run.roundTrip?.p50, format: micros },
  rtP99: { title: 'round trip p99', better: 'lower', read: (run) => run.roundTrip?.p99, format: micros },
  upload: { title: 'upload', better: 'higher', read: (run) => run.upload.mibPerSecond, format: mibps },
  idleP50: { title: 'idle round trip p50', better: 'lower', read: (run) => run.chatDuringUpload.idle.p50, format: millis },
  idleP99: { title: 'idle round trip p99', better: 'lower', read: (run) => run.chatDuringUpload.idle.p99, format: millis },
  busyP50: { title: 'round trip p50 during upload', better: 'lower', read: (run) => run.chatDuringUpload.during.p50, format: millis },
  busyP99: { title: 'round trip p99 during upload', better: 'lower', read: (run) => run.chatDuringUpload.during.p99, format: millis },
  busyUpload: { title: 'upload speed meanwhile', better: 'higher', read: (run) => run.chatDuringUpload.upload.mibPerSecond, format: mibps },
  idleMemory: { title: 'server RSS per idle connection', better: 'lower', read: (run) => run.idle?.bytesPerConnection, format: kib },
  idleConnect: { title: 'time to connect them all', better: 'lower', read: (run) => run.idle?.seconds, format: seconds },
  uploadServer: { title: 'upload: server RSS growth', better: 'lower', read: (run) => run.upload.server.growth, format: mib },
  uploadClient: { title: 'upload: client RSS growth', better: 'lower', read: (run) => run.upload.client.growth, format: mib },
  downloadServer: { title: 'download: server RSS growth', better: 'lower', read: (run) => run.download?.server.growth, format: mib },
  downloadClient: { title: 'download: client RSS growth', better: 'lower', read: (run) => run.download?.client.growth, format: mib },
} satisfies Record<string, Metric>;

type MetricKey = keyof typeof METRICS;

/** Median of a metric over a peer's runs, or undefined when it was not measured. */
function medianOf(results: BenchResults, peer: string, key: MetricKey): number | undefined {
  const samples = (results.runs[peer] ?? []).map((run) => (METRICS[key] as Metric).read(run)).filter((value): value is number => value !== undefined);
  return samples.length === 0 ? undefined : summarise(samples).median;
}

/** `median (min–max)` of a metric for a peer. */
function cell(results: BenchResults, peer: string, key: MetricKey): string {
  const metric = METRICS[key] as Metric;
  const samples = (results.runs[peer] ?? []).map((run) => metric.read(run)).filter((value): value is number => value !== undefined);
  if (samples.length === 0) return '—';
  const summary = summarise(samples);
  return `${metric.format(summary.median)} (${metric.format(summary.min)}–${metric.format(summary.max)})`;
}

/** PieChat's median over a peer's median, or undefined. */
function ratio(results: BenchResults, peer: string, key: MetricKey): number | undefined {
  const ours = medianOf(results, 'PieChat', key);
  const theirs = medianOf(results, peer, key);
  return ours === undefined || theirs === undefined || theirs === 0 ? undefined : ours / theirs;
}

function table(results: BenchResults, keys: MetricKey[], allPeers: string[]): string {
  // Rows only for peers with something measured here (the transfers-only variant has no chat rows).
  const peers = allPeers.filter((peer) => keys.some((key) => medianOf(results, peer, key) !== undefined));
  const head = `| | ${keys.map((key) => METRICS[key].title).join(' | ')} |\n|---|${keys.map(() => '---').join('|')}|`;
  const rows = peers.map((peer) => `| ${peer} | ${keys.map((key) => cell(results, peer, key)).join(' | ')} |`);
  const others = peers.filter((peer) => !peer.startsWith('PieChat'));
  const ratios = others.map(
    (peer) =>
      `| PieChat ÷ ${peer} | ${keys
        .map((key) => {
          const value = ratio(results, peer, key);
          return value === undefined ? '—' : `${value.toFixed(2)}×`;
        })
        .join(' | ')} |`,
  );
  return [head, ...rows, ...ratios].join('\n');
}

/** A target, as a check on the measured medians. */
interface Target {
  text: string;
  measured: (results: BenchResults) => number | undefined;
  show: (value: number) => string;
  met: (value: number) => boolean;
}

const times = (value: number) => `${value.toFixed(2)}×`;
const TARGETS: Target[] = [
  ...(['fanout10', 'fanout100'] as const).flatMap((key): Target[] => [
    { text: `${METRICS[key].title}: ≥ 1.0× node:net NDJSON`, measured: (r) => ratio(r, 'node:net NDJSON', key), show: times, met: (v) => v >= 1.0 },
    { text: `${METRICS[key].title}: ≥ 1.5× socket.io`, measured: (r) => ratio(r, 'socket.io', key), show: times, met: (v) => v >= 1.5 },
    { text: `${METRICS[key].title}: ≥ 1.5× ws`, measured: (r) => ratio(r, 'ws', key), show: times, met: (v) => v >= 1.5 },
  ]),
  { text: 'round trip p50 ≤ 1.2× node:net NDJSON', measured: (r) => ratio(r, 'node:net NDJSON', 'rtP50'), show: times, met: (v) => v <= 1.2 },
  { text: 'round trip p99 ≤ 1.5× node:net NDJSON', measured: (r) => ratio(r, 'node:net NDJSON', 'rtP99'), show: times, met: (v) => v <= 1.5 },
  { text: 'upload (stored, verified) ≥ 0.8× node:net (hashing only)', measured: (r) => ratio(r, 'node:net NDJSON', 'upload'), show: times, met: (v) => v >= 0.8 },
  { text: 'upload ≥ 3× socket.io', measured: (r) => ratio(r, 'socket.io', 'upload'), show: times, met: (v) => v >= 3 },
  { text: 'chat p99 during upload < 10 ms', measured: (r) => medianOf(r, 'PieChat', 'busyP99'), show: millis, met: (v) => v < 10_000 },
  { text: 'idle connection memory ≤ 1.5× node:net NDJSON', measured: (r) => ratio(r, 'node:net NDJSON', 'idleMemory'), show: times, met: (v) => v <= 1.5 },
  ...(['uploadServer', 'uploadClient', 'downloadServer', 'downloadClient'] as const).map(
    (key): Target => ({ text: `${METRICS[key].title} < 64 MiB`, measured: (r) => medianOf(r, 'PieChat', key), show: mib, met: (v) => v < 64 * MiB }),
  ),
];

/** The Markdown of docs/benchmarks.md. */
export function renderReport(results: BenchResults): string {
  const peers = Object.keys(results.runs);
  const { sizes } = results;
  const targets = TARGETS.map((target) => {
    const value = target.measured(results);
    const verdict = value === undefined ? 'not measured' : target.met(value) ? 'met' : '**missed**';
    return `| ${target.text} | ${value === undefined ? '—' : target.show(value)} | ${verdict} |`;
  });
  return `# Benchmarks

Generated by \`${results.command}\` on ${results.date}. Do not edit by hand: run it again.

- **Machine:** ${results.machine}.
- **Machine limits:** raw node:net into a byte-counting server ${results.limits.rawNetMiBps.toFixed(0)} MiB/s; node:crypto SHA-256 ${results.limits.sha256MiBps.toFixed(0)} MiB/s (one core); durable disk writes (a new ${sizes.uploadMiB} MiB file, then \`fdatasync\`) ${results.limits.diskMiBps.toFixed(0)} MiB/s.
- **Method:** every peer runs as a real server process and a client process over loopback. ${results.repetitions} interleaved rounds (each round runs every peer once, starting with a different one); each cell is the median, with the spread (min–max) of the rounds in brackets. Every workload warms up before it is measured, and fresh memory is touched once before the first round.
- **Sizes:** fan-out ${sizes.fanout10.toLocaleString('en-US')} messages to 10 receivers and ${sizes.fanout100.toLocaleString('en-US')} to 100 (after as many for warm-up), round trip ${sizes.roundTrips.toLocaleString('en-US')} samples after ${sizes.roundTripWarmup.toLocaleString('en-US')} warm-up ones, upload ${sizes.uploadMiB} MiB, chat during a ${sizes.chatUploadMiB} MiB upload, ${sizes.idleConnections.toLocaleString('en-US')} idle connections.

## Targets

| target | measured | |
|---|---|---|
${targets.join('\n')}

## Fan-out

One sender and 10 or 100 receivers in one room, 100-byte messages. The sender respects its connection's backpressure and stays at most 1,000 messages ahead of the slowest receiver (the same end-to-end window for every peer); every receiver checks it got every message, in order.

${table(results, ['fanout10', 'fanout100'], peers)}

## Round trip

A client alone in a room sends a message and waits for it to come back (PieChat: the acknowledgement of \`send()\`; the peers: their own broadcast).

${table(results, ['rtP50', 'rtP99'], peers)}

## Upload

PieChat: \`client.sendFile()\` of a ${sizes.uploadMiB} MiB file, stored by the server on disk (\`DiskFileStore\`, fsync on: the file is on the disk before it is announced) and SHA-256-verified before it resolves; the client hashes it too, as it reads it. The peers send the same file in 64 KiB binary chunks and hash it on both sides, but the server keeps nothing (no storage); socket.io with acknowledged chunks (a window of them), ws with its \`bufferedAmount\`, node:net as a raw byte stream after an NDJSON header. The row *PieChat, fsync off* is the same server with \`DiskFileStore({ fsync: false })\` (files left in the page cache): it shows where PieChat stands when this machine's disk (see the machine limits) is not the bound; the targets are checked on the default.

${table(results, ['upload'], peers)}

## Chat during an upload

Round trips on an idle connection, then on the same connection, back to back, while a ${sizes.chatUploadMiB} MiB upload runs on it. The node:net NDJSON peer carries the upload as base64 chunk lines so that chat lines can share its one connection.

${table(results, ['idleP50', 'idleP99', 'busyP50', 'busyP99', 'busyUpload'], peers)}

## Idle connections

${sizes.idleConnections.toLocaleString('en-US')} connections opened (at most 100 handshakes at a time) and left idle; the server's RSS after a full GC, before and after, divided by the number of connections. PieChat's connections join no room here.

${table(results, ['idleMemory', 'idleConnect'], peers)}

## Memory during transfers

Peak RSS above the baseline (taken after warm-up and a GC), sampled every 20 ms, during the ${sizes.uploadMiB} MiB upload (and, for PieChat, the download of the same file back).

${table(results, ['uploadServer', 'uploadClient', 'downloadServer', 'downloadClient'], peers)}
`;
}

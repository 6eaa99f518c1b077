import type { Peer } from '../peers/types.js';
import { closeAll, connectMany } from './connect-many.js';

/** Parameters of the fan-out workload. */
export interface FanoutParams {
  receivers: number;
  /** Messages measured (after as many again for warm-up). */
  messages: number;
  /** Most messages the sender may be ahead of the slowest receiver (end-to-end backpressure). */
  window: number;
}

/** What the fan-out workload measured. */
export interface FanoutResult {
  deliveriesPerSecond: number;
  seconds: number;
}

/** Largest local send buffer the sender lets build up before it waits for `drain`. */
const SENDER_BUFFER_BYTES = 1024 * 1024;

/** A 100-byte message carrying its sequence number, so receivers can check order. */
function message(seq: number): string {
  return `${seq.toString().padStart(8, '0')}|${'x'.repeat(91)}`;
}

/**
 * One sender, `receivers` receivers in one room, 100-byte messages. The sender respects its
 * connection's backpressure and stays at most `window` messages ahead of the slowest receiver;
 * every receiver checks that it got every message, in order. Reports deliveries per second over
 * the measured messages (a warm-up of the same length runs first).
 */
export async function fanout(peer: Peer, port: number | readonly number[], params: FanoutParams): Promise<FanoutResult> {
  // With several ports (nodes of a cluster), receivers are spread evenly; the sender is on the first.
  const ports = typeof port === 'number' ? [port] : port;
  const receivers = (
    await Promise.all(ports.map((each, index) => connectMany(peer, each, `fan${index}-`, Math.floor(params.receivers / ports.length) + (index < params.receivers % ports.length ? 1 : 0), 'chat')))
  ).flat();
  const [sender] = await connectMany(peer, ports[0]!, 'sender', 1, 'chat');
  const counts = new Array<number>(params.receivers).fill(0);
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  receivers.forEach((receiver, index) => {
    receiver.onMessage((text) => {
      const seq = Number(text.slice(0, 8));
      if (seq !== counts[index]) failure ??= new Error(`receiver ${index} got message ${seq}, expected ${counts[index]}`);
      counts[index] = seq + 1;
      if (wake !== undefined && (seq & 63) === 0) {
        const resume = wake;
        wake = undefined;
        resume();
      }
    });
  });
  const slowest = (): number => {
    let minimum = Number.POSITIVE_INFINITY;
    for (const count of counts) if (count < minimum) minimum = count;
    return minimum;
  };
  const waitForReceivers = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      // A last message may not be a multiple of 64: look again soon.
      setTimeout(() => {
        if (wake === resolve) {
          wake = undefined;
          resolve();
        }
      }, 5);
    });

  const run = async (from: number, to: number): Promise<number> => {
    const started = performance.now();
    let sent = from;
    while (sent < to) {
      if (failure !== undefined) throw failure;
      if (sent - slowest() >= params.window) {
        await waitForReceivers();
        continue;
      }
      if (sender!.buffered() > SENDER_BUFFER_BYTES) {
        await sender!.drained();
        continue;
      }
      sender!.send(message(sent++));
    }
    while (slowest() < to) {
      if (failure !== undefined) throw failure;
      await waitForReceivers();
    }
    return (performance.now() - started) / 1000;
  };

  try {
    await run(0, params.messages);
    const seconds = await run(params.messages, 2 * params.messages);
    return { deliveriesPerSecond: (params.messages * params.receivers) / seconds, seconds };
  } finally {
    await closeAll([...receivers, sender!]);
  }
}

// A benchmark server process: starts one peer's server and answers the orchestrator's requests
// (its port, its RSS after a full GC, its peak RSS over an interval).
import { peerNamed } from './peers/index.js';
import type { ServerHandle } from './peers/types.js';
import { serve } from './harness/worker.js';
import { RssSampler } from './rss-sampler.js';

const [peerName, storage] = process.argv.slice(2);
if (peerName === undefined || storage === undefined) throw new Error('usage: server-main.ts <peer> <storage directory>');
const peer = peerNamed(peerName);
let handle: ServerHandle | undefined;
let sampler: RssSampler | undefined;

/** RSS after collecting garbage until it stops shrinking. */
async function settledRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 4; round++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rss = process.memoryUsage.rss();
    if (rss >= previous * 0.995) return rss;
    previous = rss;
  }
  return previous;
}

serve(async (request) => {
  switch (request.type) {
    case 'start':
      handle = await peer.startServer({ mode: 'chat', storage });
      return { port: handle.port };
    case 'rss':
      return { rss: await settledRss() };
    case 'sample-start':
      sampler = new RssSampler();
      sampler.start();
      return {};
    case 'sample-stop':
      return sampler?.stop();
    case 'exit':
      await handle?.close();
      return {};
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});

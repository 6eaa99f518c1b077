// A benchmark client process: connects one peer's clients to a server and runs the workloads the
// orchestrator asks for, one at a time, answering with what it measured.
import { serve } from './harness/worker.js';
import { chatUploadPeer, peerNamed } from './peers/index.js';
import type { BenchClient } from './peers/types.js';
import { RssSampler } from './rss-sampler.js';
import { closeAll, connectMany } from './workloads/connect-many.js';
import { fanout } from './workloads/fanout.js';
import { roundTrip, timeRoundTrips } from './workloads/round-trip.js';
import { chatDuringUpload, timeDownload, timeUpload } from './workloads/transfers.js';

const [peerName] = process.argv.slice(2);
if (peerName === undefined) throw new Error('usage: client-main.ts <peer>');
const peer = peerNamed(peerName);
let idle: BenchClient[] = [];
let uploader: BenchClient | undefined;
let chatter: BenchClient | undefined;
let sampler: RssSampler | undefined;

serve(async (request) => {
  const port = request.port as number;
  switch (request.type) {
    case 'fanout':
      return fanout(peer, port, { receivers: request.receivers as number, messages: request.messages as number, window: request.window as number });
    case 'round-trip':
      return roundTrip(peer, port, { warmup: request.warmup as number, samples: request.samples as number });
    case 'idle-connect': {
      const started = performance.now();
      idle = await connectMany(peer, port, 'idle', request.count as number, 'idle');
      return { seconds: (performance.now() - started) / 1000 };
    }
    case 'idle-close':
      await closeAll(idle);
      idle = [];
      return {};
    case 'uploader': {
      // Connected, and warmed up with a first upload, before anything is measured.
      [uploader] = await connectMany(peer, port, 'uploader', 1, 'chat');
      await uploader!.upload(request.warmPath as string, request.warmSize as number);
      [chatter] = await connectMany(chatUploadPeer(peer), port, 'chatter', 1, 'chat');
      await chatter!.upload(request.warmPath as string, request.warmSize as number);
      await timeRoundTrips(chatter!, 'warm', request.warmRoundTrips as number);
      return {};
    }
    case 'upload':
      return timeUpload(uploader!, request.path as string, request.size as number);
    case 'download':
      return timeDownload(uploader!, request.directory as string, request.size as number);
    case 'chat-during-upload':
      return chatDuringUpload(chatter!, { path: request.path as string, size: request.size as number, idleSamples: request.idleSamples as number });
    case 'uploader-close':
      await Promise.all([uploader?.close(), chatter?.close()]);
      uploader = chatter = undefined;
      return {};
    case 'gc':
      (globalThis as { gc?: () => void }).gc?.();
      return {};
    case 'sample-start':
      sampler = new RssSampler();
      sampler.start();
      return {};
    case 'sample-stop':
      return sampler?.stop();
    case 'exit':
      await closeAll(idle);
      await Promise.all([uploader?.close(), chatter?.close()]);
      return {};
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});

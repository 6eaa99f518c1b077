// The machine's limits, as a yardstick: a raw node:net server that only counts bytes.
import { createServer } from 'node:net';
import { serve } from './harness/worker.js';

const sink = createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  socket.on('end', () => socket.end(String(bytes)));
});

serve(async (request) => {
  if (request.type === 'start') {
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    return { port: (sink.address() as { port: number }).port };
  }
  if (request.type === 'exit') {
    sink.close();
    return {};
  }
  throw new Error(`unknown request ${request.type}`);
});

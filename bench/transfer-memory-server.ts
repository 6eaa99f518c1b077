// A PieChat server in its own process for bench/transfer-memory.ts: reports its port, then
// samples its RSS between the parent's "start" and "stop" messages.
import { ChatServer } from '../lib/index.js';
import { RssSampler } from './rss-sampler.js';

const storage = process.argv[2];
if (storage === undefined) throw new Error('usage: transfer-memory-server.ts <storage directory>');
const server = new ChatServer({ storage, maxFileBytes: 4 * 1024 ** 3, quotaBytes: 16 * 1024 ** 3 });
const { port } = await server.listen(0, '127.0.0.1');
const sampler = new RssSampler();
process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    sampler.start();
    process.send!({ type: 'started' });
  } else if (message.type === 'stop') {
    process.send!({ type: 'stopped', ...sampler.stop() });
  } else if (message.type === 'exit') {
    void server.close().then(() => process.exit(0));
  }
});
process.send!({ type: 'listening', port });

import type { ExecutionContext } from 'ava';
import type { ChatServerOptions } from '../../lib/index.js';
import { closeAll, startServer, type Harness } from './chat.js';
import { FaultProxy } from './proxy.js';

/** A reconnection policy for tests: attempts a few ms apart. */
export const FAST_RECONNECT = { initialDelayMs: 5, maxDelayMs: 20 };

/** A server, a fault-injecting proxy in front of it, and teardown of both after the test. */
export async function behindProxy(t: ExecutionContext, options: ChatServerOptions = {}): Promise<{ harness: Harness; proxy: FaultProxy }> {
  const harness = await startServer(options);
  const proxy = await FaultProxy.start(harness.port);
  t.teardown(async () => {
    await proxy.close();
    await closeAll(harness);
  });
  return { harness, proxy };
}

import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { ChatServerOptions } from '../../lib/index.js';
import { closeAll, startServer, type Harness } from './chat.js';
import { runCli, type Child } from './child.js';
import { temporaryDirectory } from './files.js';

/** Runs the built CLI for one test (in `cwd` if given) and kills it in teardown, whatever happens. */
export function cli(t: ExecutionContext, args: string[], cwd?: string): Child {
  const child = runCli(args, {}, cwd);
  t.teardown(() => child.kill());
  return child;
}

/** A {@link Harness} with its temporary directory and the CLI arguments that reach it. */
export interface CliHarness extends Harness {
  /** A temporary directory for the test (the store is `store/` inside, unless `storage` is given). */
  directory: string;
  /** `--host 127.0.0.1 --port <port>`. */
  at: string[];
}

/** A server in this process on 127.0.0.1:0, storing into a temporary directory; closed in teardown. */
export async function serverForCli(t: ExecutionContext, options: ChatServerOptions = {}): Promise<CliHarness> {
  const directory = await temporaryDirectory(t);
  const harness = await startServer({ storage: join(directory, 'store'), ...options });
  t.teardown(() => closeAll(harness));
  return { ...harness, directory, at: ['--host', '127.0.0.1', '--port', String(harness.port)] };
}

import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { Child } from './child.js';

/** The Redis the cluster tests use: PIECHAT_REDIS_URL (set by `.ci/run`, which starts one). */
export const REDIS_URL = process.env.PIECHAT_REDIS_URL;

/** A node of a test cluster: its process and its port. */
export interface ClusterNode {
  child: Child;
  port: number;
}

/** A fresh key prefix, so that tests sharing one Redis never see each other. */
export function clusterPrefix(): string {
  return `piechat-test-${randomBytes(4).toString('hex')}`;
}

/** Starts `count` nodes in child processes sharing `prefix` and `storage`; killed after the test. */
export async function startNodes(t: ExecutionContext, count: number, prefix: string, storage: string): Promise<ClusterNode[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = new Child(['--import', 'tsx', 'test/fixtures/cluster-node.ts'], {
        PIECHAT_REDIS_URL: REDIS_URL!,
        PIECHAT_PREFIX: prefix,
        PIECHAT_STORAGE: storage,
      });
      t.teardown(() => child.kill());
      const line = await child.waitForLine(/^port \d+$/, 30_000);
      return { child, port: Number(line.split(' ')[1]) };
    }),
  );
}

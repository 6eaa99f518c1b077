// npm run bench:cluster [-- --quick]
// Fan-out through a cluster: one sender, 100 receivers spread over two PieChat nodes sharing a
// room through Redis, next to one node alone and one node with the Redis adapter, measured in
// the same run (3 interleaved rounds, medians). Starts its own redis-server on a free loopback
// port; prints a Markdown section, which `npm run bench` appends to docs/benchmarks.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { piechat } from './peers/piechat.js';
import { fanout } from './workloads/fanout.js';

/** Runs `args` with node and resolves with the port it prints. */
function startNode(env: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/cluster-node.ts'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('port ')) resolve({ port: Number(line.slice(5)), child });
    });
    child.once('exit', (code) => reject(new Error(`a cluster node exited with ${code}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The Markdown section for the results, or why there are none. */
export async function clusterFanout(quick: boolean, log: (line: string) => void = () => undefined): Promise<string> {
  const heading = '## Fan-out through a cluster\n\n';
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return `${heading}Not measured: \`redis-server\` is not installed (\`apt-get install redis-server\`, then \`npm run bench:cluster\`).\n`;
  }
  const messages = quick ? 2_000 : 15_000;
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const storage = await mkdtemp(join(tmpdir(), 'piechat-cluster-bench-'));
  const setups: Record<string, number[]> = { 'one node': [], 'one node, Redis adapter': [], 'two nodes, Redis adapter': [] };
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const names = Object.keys(setups);
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < names.length; index++) {
        const name = names[(index + round) % names.length]!;
        const env: Record<string, string> = { PIECHAT_STORAGE: storage, PIECHAT_PREFIX: `bench-${randomBytes(4).toString('hex')}` };
        if (name !== 'one node') env.PIECHAT_REDIS_URL = `redis://127.0.0.1:${redisPort}`;
        const nodes = await Promise.all(Array.from({ length: name.startsWith('two') ? 2 : 1 }, () => startNode(env)));
        try {
          log(`cluster round ${round + 1}/3: ${name}`);
          const result = await fanout(piechat, nodes.map((node) => node.port), { receivers: 100, messages, window: 1000 });
          setups[name]!.push(result.deliveriesPerSecond);
        } finally {
          for (const node of nodes) node.child.kill();
        }
      }
    }
  } finally {
    redis.kill();
    await rm(storage, { recursive: true, force: true });
  }
  const single = median(setups['one node']!);
  const rows = Object.entries(setups).map(([name, values]) => {
    const spread = `${Math.round(Math.min(...values)).toLocaleString('en-US')}–${Math.round(Math.max(...values)).toLocaleString('en-US')}`;
    return `| ${name} | ${Math.round(median(values)).toLocaleString('en-US')} (${spread}) | ${(median(values) / single).toFixed(2)}× |`;
  });
  return (
    heading +
    `One sender and 100 receivers in one room, 100-byte messages, ${messages.toLocaleString('en-US')} measured after as many for warm-up; with two nodes the receivers are split evenly and the sender is on the first. Each node is its own process; Redis runs on the same machine (2 cores for everything). 3 interleaved rounds, medians (min–max).\n\n` +
    '| setup | deliveries/s | ÷ one node |\n|---|---|---|\n' +
    `${rows.join('\n')}\n`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  console.log(await clusterFanout(values.quick === true, (line) => console.error(line)));
}

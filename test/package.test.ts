import test from 'ava';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuilt } from './helpers/build.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;

test.serial('an app that installs the packed tarball runs a server and three clients, in ESM and in CJS', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'piechat-pack-'));
  try {
    // The tarball is what `npm publish` would upload (its prepack script builds dist/). The build
    // runs here through the shared lock instead, so that other test files using dist/ meanwhile
    // never see it half rewritten.
    await ensureBuilt();
    await run('npm', ['pack', '--pack-destination', work, '--silent', '--ignore-scripts'], { cwd: root, timeout: 120_000 });
    const tarball = (await readdir(work)).find((file) => file.endsWith('.tgz'));
    t.truthy(tarball, 'npm pack made a tarball');
    const app = join(work, 'app');
    await cp(join(root, 'test/fixtures/package-app'), app, { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'piechat-consumer', private: true, version: '1.0.0' }));
    await run('npm', ['install', join(work, tarball!), '--no-audit', '--no-fund', '--prefer-offline', '--silent'], { cwd: app, timeout: 120_000 });

    const expectReport = (output: string, format: string): Record<string, unknown> => {
      const report = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>;
      t.is(report.format, format);
      t.deepEqual(report.joins, ['alice@lobby', 'bob@lobby', 'carol@lobby'], `${format}: join events`);
      t.deepEqual(
        report.messages,
        {
          alice: ['b0'],
          bob: ['m0', 'm1', 'm2', 'm3', 'm4'],
          carol: ['m0', 'm1', 'm2', 'm3', 'm4', 'b0', 'private:psst'],
        },
        `${format}: room messages to everyone in order, the private one only to carol`,
      );
      t.deepEqual(report.duplicate, { code: 'ERR_NAME_TAKEN', isPieChatError: true }, `${format}: duplicate name`);
      t.deepEqual(report.leaves, ['carol@lobby:disconnected'], `${format}: leave on disconnect`);
      return report;
    };
    expectReport((await run('node', ['app.mjs'], { cwd: app, timeout: 30_000 })).stdout, 'esm');
    const cjs = expectReport((await run('node', ['app.cjs'], { cwd: app, timeout: 30_000 })).stdout, 'cjs');
    t.true(cjs.crossBuild, 'instanceof PieChatError holds across the ESM and CJS builds');

    const { stdout: version } = await run(join(app, 'node_modules/.bin/piechat'), ['--version'], { cwd: app });
    t.regex(version, /^\d+\.\d+\.\d+\n$/, 'the piechat bin is installed');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

import { chmodSync, copyFileSync, rmSync } from 'node:fs';

// Start from an empty dist/: stale chunks must never be published.
rmSync('dist', { recursive: true, force: true });
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const external = (id) => id.startsWith('node:') || id === 'eventemitter3';

const compile = () =>
  typescript({ tsconfig: './tsconfig.build.json' });

/** Writes the bundled declarations a second time for `require` (`.d.cts`). */
const copyDeclarationsForRequire = () => ({
  name: 'copy-declarations-for-require',
  writeBundle() {
    copyFileSync('dist/index.d.ts', 'dist/index.d.cts');
  },
});

/** Makes the CLI executable, so that `npx piechat` works in a clone as in an install. */
const makeCliExecutable = () => ({
  name: 'make-cli-executable',
  writeBundle() {
    chmodSync('dist/cli.js', 0o755);
  },
});

export default [
  {
    // ESM: the library and the CLI; the CLI imports the library's chunk rather than a copy.
    input: { index: 'lib/index.ts', cli: 'lib/cli/main.ts' },
    external,
    plugins: [compile(), makeCliExecutable()],
    output: { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  },
  {
    input: 'lib/index.ts',
    external,
    plugins: [compile()],
    output: { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
  },
  {
    input: 'lib/index.ts',
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' }), copyDeclarationsForRequire()],
    output: { file: 'dist/index.d.ts', format: 'es' },
  },
];

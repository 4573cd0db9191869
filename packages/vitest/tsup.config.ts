import fs from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * setup.js stays a few lines: Vitest's module runner evaluates it for every test file, while runtime.js is loaded by
 * Node once per worker. Bundled into setup.js, the runtime would be fetched and evaluated per file again.
 */
const runtimeOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'runtime-outside-setup',
  setup(build) {
    build.onResolve({ filter: /^\.\/runtime\.js$/ }, () => ({ path: './runtime.js', external: true }));
  },
};

// Cleaned once here: tsup runs the configs below in parallel, and each one's `clean` would remove the other's files.
fs.rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared: Options = {
  target: 'node20',
  // Not shipped: see docs/packaging.md.
  sourcemap: false,
  shims: true,
  external: ['vitest', '@leakwatch/core'],
};

export default defineConfig([
  // The plugin, imported from an ESM or a CommonJS Vite config.
  { ...shared, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true },
  // The setup file and the runtime it imports: Vitest runs setup files as ES modules, and a CommonJS copy would
  // require('vitest'), which throws. ESM only; runtime.js is internal, so untyped.
  {
    ...shared,
    entry: ['src/setup.ts', 'src/runtime.ts'],
    format: ['esm'],
    dts: { entry: ['src/setup.ts'] },
    esbuildPlugins: [runtimeOutside],
  },
]);

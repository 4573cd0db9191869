import { defineConfig, type Options } from 'tsup';

/**
 * setup.js stays a few lines: Vitest's module runner evaluates it for every test file, while runtime.js is loaded by
 * Node once per worker. Bundled into setup.js, the runtime would be fetched and evaluated per file again.
 */
const runtimeOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'runtime-outside-setup',
  setup(build) {
    const extension = build.initialOptions.format === 'cjs' ? '.cjs' : '.js';
    build.onResolve({ filter: /^\.\/runtime\.js$/ }, () => ({ path: `./runtime${extension}`, external: true }));
  },
};

export default defineConfig({
  entry: ['src/index.ts', 'src/setup.ts', 'src/runtime.ts', 'src/reporter.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  shims: true,
  external: ['vitest', '@leakwatch/core'],
  esbuildPlugins: [runtimeOutside],
});

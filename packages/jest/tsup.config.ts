import fs from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// Cleaned once here: tsup runs the configs below in parallel, and each one's `clean` would remove the other's files.
fs.rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared: Options = {
  target: 'node20',
  // Not shipped: see docs/packaging.md.
  sourcemap: false,
  shims: true,
  external: ['@leakwatch/core'],
};

export default defineConfig([
  // withLeakwatch(), imported from a Jest config of either module system.
  { ...shared, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true },
  // What Jest itself loads by path or require(): the environment, the reporter, the setup file and the attachment the
  // setup file requires. CommonJS only, typed as CommonJS (.d.cts); attach.cjs is internal, so untyped.
  {
    ...shared,
    entry: ['src/environment.ts', 'src/reporter.ts', 'src/setup.ts', 'src/attach.ts'],
    format: ['cjs'],
    dts: { entry: ['src/environment.ts', 'src/reporter.ts', 'src/setup.ts'] },
  },
]);

import fs from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// Cleaned once here: tsup runs the configs below in parallel, and each one's `clean` would remove the other's files.
fs.rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared: Options = {
  target: 'node20',
  // Not shipped: see docs/packaging.md.
  sourcemap: false,
  shims: true,
  // 'node:test' has no bare name: the prefix must stay.
  removeNodeProtocol: false,
  external: ['@leakwatch/core'],
};

export default defineConfig([
  // The preload, given to `--import` or `--require`.
  { ...shared, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true },
  // The reporter, which Node imports (ESM: it awaits the run's options at its top level).
  { ...shared, entry: ['src/reporter.ts'], format: ['esm'], dts: true },
  // The two halves the preload requires, one copy for both of its builds; internal, so untyped.
  { ...shared, entry: ['src/child.ts', 'src/preload-run.ts'], format: ['cjs'] },
]);

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

export default defineConfig([{ ...shared, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true }]);

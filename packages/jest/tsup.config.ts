import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/environment.ts', 'src/reporter.ts', 'src/setup.ts', 'src/attach.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  shims: true,
  external: ['@leakwatch/core'],
});

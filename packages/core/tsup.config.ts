import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  // tinyrainbow is ESM-only: the CJS build's require('tinyrainbow') returns its namespace (Node >= 20.19) or throws
  // ERR_REQUIRE_ESM (older Node 20), so `c.magenta` broke the console report of CJS consumers. Bundled, it is ~2 KB.
  noExternal: ['tinyrainbow'],
});

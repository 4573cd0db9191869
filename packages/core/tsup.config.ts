import fs from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  // cli.ts is the `leakwatch` bin (dist/cli.js, shebang kept and made executable by tsup).
  entry: ['src/index.ts', 'src/cli.ts', 'src/worker.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
  // import.meta.url in the CJS build (src/lazy.ts), as in the adapters.
  shims: true,
  // Each entry self-contained (no shared chunks): worker.js is one file with only what a test process needs.
  splitting: false,
  // `leakwatch --version`, without reading package.json at run time (the CJS build has no import.meta.url).
  define: { __LEAKWATCH_VERSION__: JSON.stringify(version) },
  // tinyrainbow is ESM-only: the CJS build's require('tinyrainbow') returns its namespace (Node >= 20.19) or throws
  // ERR_REQUIRE_ESM (older Node 20), so `c.magenta` broke the console report of CJS consumers. Bundled, it is ~2 KB.
  noExternal: ['tinyrainbow'],
});

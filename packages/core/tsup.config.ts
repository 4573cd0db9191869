import fs from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const { version } = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * index.ts re-exports a selection of adapter.ts: kept as an import of the built adapter file, the public entry is a
 * few lines, and a process that loads both (a user's `track()` beside the adapter's engine) loads the engine once.
 */
const adapterOutside: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'adapter-outside-index',
  setup(build) {
    const extension = build.initialOptions.format === 'cjs' ? '.cjs' : '.js';
    build.onResolve({ filter: /^\.\/adapter\.js$/ }, () => ({ path: `./adapter${extension}`, external: true }));
  },
};

// Cleaned once here: tsup runs the configs below in parallel, and each one's `clean` would remove the other's files.
fs.rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });

const shared: Options = {
  target: 'node20',
  // Not shipped: see docs/packaging.md.
  sourcemap: false,
  // import.meta.url in the CJS build (src/lazy.ts), as in the adapters.
  shims: true,
  // Each entry self-contained (no shared chunks): worker.js is one file with only what a test process needs.
  splitting: false,
  // `leakwatch --version`, without reading package.json at run time (the CJS build has no import.meta.url).
  define: { __LEAKWATCH_VERSION__: JSON.stringify(version) },
  // tinyrainbow is ESM-only: the CJS build's require('tinyrainbow') returns its namespace (Node >= 20.19) or throws
  // ERR_REQUIRE_ESM (older Node 20), so `c.magenta` broke the console report of CJS consumers. Bundled, it is ~2 KB,
  // and so not listed in package.json's dependencies.
  noExternal: ['tinyrainbow'],
  esbuildPlugins: [adapterOutside],
};

export default defineConfig([
  // The entries a package.json export names: ESM and CommonJS, each with its declarations.
  { ...shared, entry: ['src/index.ts', 'src/adapter.ts', 'src/worker.ts'], format: ['esm', 'cjs'], dts: true },
  // The `leakwatch` bin (dist/cli.js, shebang kept and made executable by tsup): run, never imported, so ESM only and
  // no declarations.
  { ...shared, entry: ['src/cli.ts'], format: ['esm'], dts: false },
]);

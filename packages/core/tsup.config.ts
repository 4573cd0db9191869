import fs from 'node:fs';
import { isBuiltin } from 'node:module';
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

/**
 * esbuild's CommonJS output wraps each default import of a builtin in `__toESM`, which copies every property of the
 * module onto a new object as a getter: ~2 ms per process for the ~30 builtin imports of the engine, paid per test
 * file under Vitest. A view whose prototype is the module reads the same live properties, and `.default` is the
 * module itself, as `__toESM(mod, 1)` makes it.
 */
function viewBuiltins(file: string): void {
  const code = fs.readFileSync(file, 'utf8');
  let views = 0;
  const rewritten = code.replace(/__toESM\(require\("([^"]+)"\), 1\)/g, (call, id: string) => {
    if (!isBuiltin(id)) return call;
    views++;
    return `__builtinView(require("${id}"))`;
  });
  if (views === 0)
    throw new Error(`tsup.config.ts: no builtin import to rewrite in ${file}; has esbuild's output changed?`);
  const helper = 'var __builtinView = (mod) => ({ __proto__: mod, default: mod });\n';
  fs.writeFileSync(file, rewritten.replace('var __toESM = ', `${helper}var __toESM = `));
}

export default defineConfig([
  // The entries a package.json export names: ESM and CommonJS, each with its declarations.
  { ...shared, entry: ['src/index.ts', 'src/adapter.ts'], format: ['esm', 'cjs'], dts: true },
  // The test process's entry: ESM only (it awaits the engine at top level in a vm realm); CommonJS consumers of
  // `@leakwatch/core/worker` get dist/worker-body.cjs itself (package.json).
  { ...shared, entry: ['src/worker.ts'], format: ['esm'], dts: true },
  // The `leakwatch` bin (dist/cli.js, shebang kept and made executable by tsup): run, never imported, so ESM only and
  // no declarations.
  { ...shared, entry: ['src/cli.ts'], format: ['esm'], dts: false },
  // What src/worker.ts loads: CommonJS through V8's code cache (a vm.Script runs CommonJS only), ESM in a vm realm.
  {
    ...shared,
    entry: ['src/worker-body.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    onSuccess: async () => viewBuiltins('dist/worker-body.cjs'),
  },
]);

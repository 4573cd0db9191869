import { createRequire } from 'node:module';

/**
 * Node's own createRequire, also where Vitest's vm pools hand the modules of a test file a `node:module` of their
 * own: that one's require belongs to the file's vm context, which Vitest 5 tears down when the file ends, so a later
 * file of the same worker that loaded picomatch to judge its leaks failed inside Vitest. tsup's shims give the CJS
 * build an import.meta.url.
 */
const realModule = process.getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
const load = (realModule?.createRequire ?? createRequire)(import.meta.url);

/**
 * A dependency loaded on first use. Every test file's process imports core (a fresh process per file under Vitest's
 * default isolation), but validation, glob matching and source maps are only needed by the runner's main process,
 * the CLI, or when a leak is reported: loading them up front cost ~30 ms per test file.
 */
function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(id) as T);
}

/** Only for finding ids: not loaded by a process that finds nothing (~8 ms). */
export const crypto = lazy<typeof import('node:crypto')>('node:crypto');
export const valibot = lazy<typeof import('valibot')>('valibot');
export const picomatch = lazy<typeof import('picomatch')>('picomatch');
export const traceMapping = lazy<typeof import('@jridgewell/trace-mapping')>('@jridgewell/trace-mapping');
/** The synchronous loader of config files, for the setup-file-only mode's early check (config-file.ts). */
export const jiti = lazy<typeof import('jiti')>('jiti');

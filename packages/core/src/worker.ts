/**
 * The entry a test process imports (`@leakwatch/core/worker`). Under Vitest's default isolation every test file runs in
 * a fresh process that loads the engine anew: compiling it, and its functions on their first call, cost ~6 ms of
 * CPU per file (measured: 18 ms to load and judge a first file, 12 ms with a code cache). So the engine is loaded
 * through V8's code cache (code-cache.ts), written once a first file has been judged, when most of its functions
 * have been compiled.
 */
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { requireCached, type Loaded } from './code-cache.js';
import type * as Body from './worker-body.js';

export type { FileResult, FileSessionInit } from './worker-body.js';

/**
 * Vitest's vm pools evaluate this module inside a vm context, where the engine must run too (its globals, its
 * timers): a vm.Script or require() would run it in the process's main realm, so it is imported there instead.
 */
const mainRealm = vm.runInThisContext('globalThis') === globalThis;
// Not a literal: the bundler would inline it.
const ESM_BODY = './worker-body.js';
const body: Loaded<typeof Body> = mainRealm
  ? requireCached<typeof Body>(fileURLToPath(new URL('./worker-body.cjs', import.meta.url)))
  : { exports: (await import(/* @vite-ignore */ ESM_BODY)) as typeof Body, persist() {} };
body.exports.FileSession.afterFileEnd(body.persist);

export const FileSession: typeof Body.FileSession = body.exports.FileSession;
export type FileSession = Body.FileSession;

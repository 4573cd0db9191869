/**
 * `node --test --import @leakwatch/node-test` (or `--require`): the preload. Node loads it in every test process
 * (the runner hands its flags on), and `--require` also in the runner's own process:
 *
 *   test process (NODE_TEST_CONTEXT is set), or `node --import @leakwatch/node-test file.test.js`: judge that file
 *   runner's process (`--test`, `--require` only): the run collector, fed by the runner's event stream
 *
 * The halves are CommonJS files of their own, required here: the ESM and CJS builds of this entry then share one
 * copy, and a test process registers its hooks synchronously, before the test file loads.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import type * as Child from './child.js';
import type * as Parent from './preload-run.js';

export {
  DEFAULT_IGNORES,
  allow,
  allowFile,
  defineConfig,
  track,
  untrack,
  type Action,
  type FileInfo,
  type Finding,
  type IgnoreRule,
  type Kind,
  type KindPolicy,
  type LeakReport,
  type LeakwatchOptions,
  type Site,
  type TestInfo,
  type TrackKind,
  type TrackOptions,
} from '@leakwatch/core';

const STARTED = Symbol.for('leakwatch.nodeTestPreload');
/** Set by a test process for the processes it starts. */
const TEST_PROCESS = 'LEAKWATCH_NODE_TEST_FILE';

function start(): void {
  const anchor = globalThis as Record<symbol, unknown>;
  // Once per process: `--import` and `--require` both given, or a config file importing this package.
  if (anchor[STARTED]) return;
  // Imported for defineConfig or track() (a config file, the leakwatch CLI, a script): no preload, nothing to start.
  if (!namedAsPreload()) return;
  anchor[STARTED] = true;
  // A worker thread of a test inherits the process's flags, this preload among them: it is not a test file.
  if (!isMainThread) return;
  const execArgv = process.execArgv;
  // Watch mode reruns files in long-lived processes; leakwatch stays off there.
  if (execArgv.some((a) => a === '--watch' || a.startsWith('--watch=')) || process.env.WATCH_REPORT_DEPENDENCIES)
    return;
  const require = createRequire(import.meta.url);
  if (process.env.NODE_TEST_CONTEXT === undefined && execArgv.includes('--test')) {
    if (sharedProcess(execArgv)) {
      process.stderr.write(
        "leakwatch: --test-isolation=none (all test files in the runner's own process) is not supported yet: leakwatch is off for this run. Fix: run without it (a process per file, the default).\n",
      );
      return;
    }
    (require('./preload-run.cjs') as typeof Parent).watchRun();
    return;
  }
  // A process a test starts with fork() inherits this process's flags and environment, this preload and
  // NODE_TEST_CONTEXT among them: it is no test file, and node:test hooks registered there would make it write
  // node:test's report into its stdout. A test process marks itself for its descendants.
  if (process.env[TEST_PROCESS]) return;
  process.env[TEST_PROCESS] = String(process.pid);
  const file = process.argv[1];
  if (file) (require('./child.cjs') as typeof Child).watchTestFile(file);
}

/** Named by `--require`/`-r`/`--import`, on the command line (handed on to each test process) or in NODE_OPTIONS. */
function namedAsPreload(): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])];
  return args.some((arg, i) => {
    const flag = /^(?:--require|-r|--import)(?:=(.+))?$/.exec(arg);
    if (!flag) return false;
    const spec = flag[1] ?? args[i + 1];
    return spec !== undefined && isThisPackage(spec);
  });
}

/** The package by name, or a path (or file: URL) to one of its built entries. */
function isThisPackage(spec: string): boolean {
  if (/^@leakwatch\/node-test\/?$/.test(spec)) return true;
  try {
    const request = spec.startsWith('file:') ? fileURLToPath(spec) : spec;
    const resolved = createRequire(path.join(process.cwd(), 'index.js')).resolve(request);
    const here = path.dirname(fs.realpathSync(fileURLToPath(import.meta.url)));
    return path.dirname(fs.realpathSync(resolved)) === here;
  } catch {
    return false;
  }
}

/** `--test-isolation=none` (Node 22.8+: `--experimental-test-isolation`): the runner's process runs every file. */
function sharedProcess(execArgv: readonly string[]): boolean {
  return execArgv.some(
    (arg, i) =>
      /^--(?:experimental-)?test-isolation=none$/.test(arg) ||
      (/^--(?:experimental-)?test-isolation$/.test(arg) && execArgv[i + 1] === 'none'),
  );
}

try {
  start();
} catch (error) {
  process.stderr.write(
    `leakwatch internal error (leakwatch is off for this process): ${(error as Error)?.stack ?? error}\n`,
  );
}

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Detector,
  RunCollector,
  rememberSourceMapsOnStack,
  validateOptions,
  type LeakwatchOptions,
} from '@leakwatch/core/adapter';
import { LeakwatchReporter, vitestKeepsBlobs } from './reporter.js';

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

const SETUP_FILE = fileURLToPath(new URL('./setup.js', import.meta.url));
/** What the setup file runs; loaded by Node once per worker, never by Vitest's module runner (see tsup.config.ts). */
const RUNTIME_FILE = fileURLToPath(new URL('./runtime.js', import.meta.url));
const kReporterAdded = Symbol.for('leakwatch.reporterAdded');

/** A pattern for a path as Vitest sees module ids: real path, forward slashes. */
function realPathPattern(file: string, suffix: string): RegExp {
  const real = fs
    .realpathSync(file)
    .split(path.sep)
    .join('/')
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${real}${suffix}`);
}

/**
 * The runtime file and the real directory of @leakwatch/core. Installed from a registry they sit under node_modules,
 * but linked from a workspace (or a `file:` dependency) they do not, and Vitest would transform the engine with Vite
 * and evaluate it again in every test file.
 */
function workerModules(): RegExp[] {
  const patterns: RegExp[] = [];
  // What cannot be resolved gets no pattern, and Vitest inlines it: slower, still correct.
  const add = (pattern: () => RegExp) => {
    try {
      patterns.push(pattern());
    } catch {}
  };
  add(() => realPathPattern(RUNTIME_FILE, '$'));
  add(() => realPathPattern(path.dirname(createRequire(import.meta.url).resolve('@leakwatch/core')), '/'));
  return patterns;
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const ASYNC_CONTEXT_FRAME = '--experimental-async-context-frame';
/** Vite's bundle of an ES module config: `<config file name>.timestamp-<ms>-<hex>.mjs`. */
const VITE_CONFIG_BUNDLE = /\.timestamp-\d+-[0-9a-f]+\.mjs$/;

/**
 * Vitest's vm pools load dependencies with their own CommonJS loader inside the test's vm context, out of reach of the
 * require hook that instruments the database drivers and better-sqlite3, and give the context its own
 * BroadcastChannel: said once per run, rather than letting a clean report pass for a clean suite.
 */
const VM_POOL_NOTICE =
  "leakwatch: under Vitest's vmThreads and vmForks pools, database connections (db-connection), better-sqlite3 databases (sqlite) and BroadcastChannels are not detected; the other kinds are. Use pool 'forks' or 'threads' to see them.";
let vmPoolNoticed = false;

/**
 * leakwatch enters a scope (AsyncLocalStorage) around every test and hook. From Node 24 that is an AsyncContextFrame,
 * which costs nothing per promise; Node 22 has it behind a flag, and without it Node's async_hooks run for every
 * promise (about 6% more CPU under Vitest). Forked workers (the default pool) get the flag; worker threads refuse
 * process-wide flags, and a user's own choice (`--no-async-context-frame` or the flag itself) is left as it is.
 */
function wantsAsyncContextFrame(test: { pool?: unknown; execArgv?: unknown }): boolean {
  if (!process.allowedNodeEnvironmentFlags.has(ASYNC_CONTEXT_FRAME)) return false;
  if (test.pool !== undefined && test.pool !== 'forks' && test.pool !== 'vmForks') return false;
  return !toArray<string>(test.execArgv as any).some((arg) => /async-context-frame/.test(arg));
}

/**
 * The Vitest plugin: validates options at startup (plugin call merged over leakwatch.config.*), puts the leakwatch
 * setup file first and adds the reporter that writes the console table, JSON and JUnit.
 */
export function leakwatch(options: LeakwatchOptions = {}) {
  const fromCall = validateOptions(options, 'the leakwatch() plugin options');
  // Called while the config runs: an ES module config is Vite's bundle under node_modules/.vite-temp, deleted once it
  // is imported, and its plugin hooks run later, from a file that is gone. Its inline map is read now, so what they
  // leave open in the main process is reported at the config's own line.
  rememberSourceMapsOnStack(VITE_CONFIG_BUNDLE);
  return {
    name: 'leakwatch',
    config(config: any) {
      config.test ??= {};
      const setupFiles = toArray<string>(config.test.setupFiles).filter((f) => f !== SETUP_FILE);
      // First, so its afterEach/afterAll hooks run after every other hook (after-hooks run in reverse order).
      config.test.setupFiles = [SETUP_FILE, ...setupFiles];
      // Processed by Vitest rather than cached by Node, so it registers its hooks for every file, isolate or not.
      config.test.server ??= {};
      config.test.server.deps ??= {};
      const inline = config.test.server.deps.inline;
      config.test.server.deps.inline = inline === true ? true : [...toArray(inline), SETUP_FILE];
      // The runtime and the engine are loaded by Node once per worker: they keep no per-file state in module scope
      // (the detector is a process-wide singleton), so fetching and transforming them per file only costs time.
      if (inline !== true)
        config.test.server.deps.external = [...toArray(config.test.server.deps.external), ...workerModules()];
      if ((config.test.pool === 'vmThreads' || config.test.pool === 'vmForks') && !vmPoolNoticed) {
        vmPoolNoticed = true;
        process.stderr.write(`${VM_POOL_NOTICE}\n`);
      }
      if (wantsAsyncContextFrame(config.test))
        config.test.execArgv = [...toArray<string>(config.test.execArgv), ASYNC_CONTEXT_FRAME];
    },
    async configureVitest({ vitest }: { vitest: any }) {
      if (vitest[kReporterAdded]) return;
      vitest[kReporterAdded] = true;
      // Recording starts before the first await: other plugins' configureVitest hooks run meanwhile, and what they
      // leave open in the main process is user code too. The options apply once loaded.
      Detector.shared().watchMainProcess();
      const collector = new RunCollector('vitest', vitest.config.root, {
        shard: vitest.config.shard,
        attach: vitestKeepsBlobs(vitest.config.reporters),
      });
      await collector.configure(fromCall);
      // Before Vitest starts its workers, which inherit the channel.
      collector.start();
      vitest.config.reporters.push(new LeakwatchReporter(collector));
    },
  };
}

export default leakwatch;

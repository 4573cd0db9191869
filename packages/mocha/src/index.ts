/**
 * `@leakwatch/mocha`: a root hook plugin. One line turns it on: `require: ['@leakwatch/mocha']` in `.mocharc.*` (or
 * `--require @leakwatch/mocha`); options come from `leakwatch.config.*`.
 *
 * Mocha loads it in its main process and, under --parallel, in every worker: `mochaHooks` starts the run's collector
 * in the main process (before any test file loads or worker starts) and, wherever tests run, watches the test files
 * load; the hooks judge each test and file; the global fixtures (main process only) read the runner's results and
 * write the reports at the end.
 */
import { finishRun, listen, planRun, startRun } from './collector.js';
import { ROOT_HOOKS } from './hooks.js';
import { watchMocha } from './loading.js';
import { runningMocha } from './running-mocha.js';

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

/**
 * Called by Mocha once per process, before it creates its Mocha instance. A bad option or baseline rejects here, and
 * Mocha stops before any test with leakwatch's message.
 */
export async function mochaHooks(): Promise<typeof ROOT_HOOKS> {
  const mocha = runningMocha();
  if (mocha) watchMocha(mocha.Mocha, planRun);
  if (!mocha?.isWorker) await startRun();
  return ROOT_HOOKS;
}

/** Main process only: `this` is Mocha's runner. */
export function mochaGlobalSetup(this: unknown): void {
  listen(this as Parameters<typeof listen>[0]);
}

/** Main process only, after the run (and before Mocha waits for the event loop, without --exit). */
export function mochaGlobalTeardown(): void {
  finishRun(runningMocha()?.version);
}

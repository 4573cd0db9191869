/**
 * `@leakwatch/mocha`: a root hook plugin. One line turns it on: `require: ['@leakwatch/mocha']` in `.mocharc.*` (or
 * `--require @leakwatch/mocha`); options come from `leakwatch.config.*`, under the `leakwatch` key of Mocha's config.
 *
 * Mocha loads it in its main process and, under --parallel, in every worker: `mochaHooks` watches the test files load
 * wherever tests run; the hooks judge each test and file; the global fixtures (main process only) start the run's
 * collector before any test runs or worker starts, read the runner's results, and write the reports at the end.
 */
import { finishRun, listen, planRun, startRun, watchMainProcess } from './collector.js';
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

/** Called by Mocha once per process (the main one, each worker), before it creates its Mocha instance. */
export function mochaHooks(): typeof ROOT_HOOKS {
  const mocha = runningMocha();
  const main = !mocha?.isWorker;
  if (mocha) watchMocha(mocha.Mocha, planRun, (runner) => main && listen(runner as Parameters<typeof listen>[0]));
  if (main) watchMainProcess();
  return ROOT_HOOKS;
}

/**
 * Main process only, once Mocha has loaded the test files (serial) and before it runs any or starts its workers.
 * Options are resolved here, where Mocha's config (its `leakwatch` key) is known.
 */
export async function mochaGlobalSetup(): Promise<void> {
  await startRun();
}

/** Main process only, after the run (and before Mocha waits for the event loop, without --exit). */
export function mochaGlobalTeardown(): void {
  finishRun(runningMocha()?.version);
}

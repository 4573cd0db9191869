/**
 * The main process's half: the run collector, started before Mocha runs a test or starts a worker (they inherit its
 * channel), and told at the end which files and tests Mocha reported. The tests come from the runner's events in the
 * main process, the same in serial mode and under --parallel (whose runner replays each worker's events there): the
 * runner is what `Mocha#run` returns (see loading.ts). A reporter would be the other public way, but Mocha has one
 * reporter, the user's.
 */
import {
  Detector,
  RunCollector,
  validateOptions,
  type LeakwatchOptions,
  type RunFile,
  type TestInfo,
} from '@leakwatch/core/adapter';
import type { RunPlan } from './loading.js';
import type { TestLike } from './mocha-types.js';

interface RunnerLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
}

let collector: RunCollector | undefined;
let planned: RunPlan | undefined;
const files = new Map<string, { tests: Map<string, TestInfo> }>();
const listened = new WeakSet<object>();

/** From here on, what user code in the main process makes outside a test file is recorded, to say at the end what keeps Mocha alive. */
export function watchMainProcess(): void {
  Detector.shared().watchMainProcess();
}

/**
 * From the global setup: before Mocha runs a test or starts its workers (they inherit the channel). A bad option or
 * baseline throws here, and Mocha stops before any test ("global setup failed") with leakwatch's message.
 */
export async function startRun(): Promise<void> {
  if (collector) return;
  const fromConfig =
    planned?.options === undefined
      ? undefined
      : validateOptions(planned.options as LeakwatchOptions, 'the `leakwatch` key of the Mocha config');
  const run = new RunCollector('mocha', process.cwd());
  await run.configure(fromConfig);
  run.start();
  collector = run;
}

function record(test: TestLike, state: TestInfo['state']): void {
  if (!test?.file || test.type === 'hook') return;
  const file = test.file;
  let entry = files.get(file);
  if (!entry) {
    entry = { tests: new Map() };
    files.set(file, entry);
  }
  const titlePath = test.titlePath();
  // A retried test reports each attempt: its last state stands; a test failed after it passed (a leak, --check-leaks)
  // is failed.
  entry.tests.set(JSON.stringify(titlePath), { titlePath, state, durationMs: test.duration });
  const tests = entry.tests;
  collector?.fileDone(file, () => runFile(file, tests));
}

function runFile(path: string, tests: Map<string, TestInfo>): RunFile {
  return { path, tests: [...tests.values()] };
}

/** Mocha is about to run (main process): how many files, and whether it stops at the first failure. */
export function planRun(plan: RunPlan): void {
  planned = plan;
}

export function listen(runner: RunnerLike | undefined): void {
  if (!runner || typeof runner.on !== 'function' || listened.has(runner)) return;
  listened.add(runner);
  runner.on('pass', (test: TestLike) => record(test, 'passed'));
  runner.on('fail', (test: TestLike) => record(test, 'failed'));
  runner.on('pending', (test: TestLike) => record(test, 'skipped'));
}

export function finishRun(runnerVersion: string | undefined): void {
  const run = collector;
  if (!run) return;
  const reported = [...files].map(([path, { tests }]) => runFile(path, tests));
  // A file none of whose tests ran (--bail stopped the run first, a grep matched none) is still judged for what its
  // module scope left open: listed when its result came back.
  const unreported = (planned?.files ?? []).filter((path) => !files.has(path));
  for (const path of unreported) if (run.resultOf({ path })) reported.push({ path, tests: [] });
  run.finish({
    files: reported,
    runnerVersion,
    stream: process.stderr,
    watchMode: false,
    // With --bail, files none of whose tests ran mean Mocha stopped early (without it, `.only` leaves such files too).
    cancelled: planned?.bail === true && unreported.length > 0,
  });
  files.clear();
}

/**
 * The whole runtime side of leakwatch for Vitest. Registered first among setup files, so its beforeEach runs before
 * the user's and its afterEach/afterAll run after every user hook (Vitest runs "after" hooks in reverse order).
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import {
  Detector,
  decodeOptions,
  loadConfigFile,
  renderConsole,
  buildReport,
  resolveOptions,
  type FileResult,
  type Finding,
} from '@leakwatch/core';
import { taskTitlePath } from './titles.js';
import { leakError } from './errors.js';

const detector = Detector.shared();
const transported = decodeOptions();
const root: string = transported?.root ?? (globalThis as any).__vitest_worker__?.config?.root ?? process.cwd();

// Without the plugin, options come from leakwatch.config.* and are loaded once the runner lets us await.
let configError: unknown;
const ready: Promise<void> | undefined = transported
  ? (detector.configure(transported.options, root), undefined)
  : loadConfigFile(root).then(
      (loaded) => detector.configure(resolveOptions(loaded?.options), root),
      (error) => {
        configError = error;
      },
    );

detector.install();
detector.fileStart(expect.getState().testPath ?? '');

beforeAll(async () => {
  await ready;
  if (configError) throw configError;
});

beforeEach(({ task }) => {
  detector.testStart({ key: task.id, titlePath: taskTitlePath(task) });
});

afterEach(({ task }) => {
  const findings = detector.testEnd({ key: task.id, titlePath: taskTitlePath(task) });
  const failing = findings.filter((f) => f.action === 'fail');
  if (failing.length) throw leakError(failing, root);
});

// A plain function with no declared parameters: Vitest 4 passes (context, suite), Vitest 3 passed (suite), and
// Vitest parses the parameter list of hooks for fixtures.
afterAll(async function leakwatchFileEnd() {
  const file = [...arguments].find((a) => a && typeof a === 'object' && 'filepath' in a);
  const result: FileResult = await detector.fileEnd();
  if (file) file.meta.leakwatch = result;
  if (!transported?.reporter) printFromWorker(result);
  const failing = result.findings.filter((f: Finding) => f.action === 'fail' && f.scope === 'file');
  if (failing.length) throw leakError(failing, root);
});

/** Setup-file-only mode has no main-process reporter: the worker prints its own file's block. */
function printFromWorker(result: FileResult): void {
  if (!detector.options.console || (result.findings.length === 0 && result.errors.length === 0)) return;
  const report = buildReport({
    runner: 'vitest',
    startedAt: new Date(),
    durationMs: 0,
    options: detector.options,
    files: [],
    findings: result.findings,
    errors: result.errors,
  });
  console.error(renderConsole(report, { root }));
}

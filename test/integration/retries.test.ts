/**
 * Retries are judged as the runner judges them: a test whose leak failed an attempt and which passed on retry is
 * judged on its last attempt, so leakwatch's summary and the exit code agree with the runner. Under Vitest (`retry`),
 * Jest 30 and Jest 29 (`jest.retryTimes`), with the strict scope, where a leak fails its own test.
 */
import { afterAll, describe, expect, test } from 'vitest';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  markerLine,
} from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run';

type Runner = 'vitest' | 'jest30' | 'jest29';
const runs: RunResult[] = [];
afterAll(() => runs.forEach(cleanup));

async function run(runner: Runner, args: string[]): Promise<RunResult> {
  const result =
    runner === 'vitest'
      ? await runVitest('honest-retry', ['--pool=forks', '--maxWorkers=2', ...args])
      : await runJest('honest-retry', ['--maxWorkers=2', '--no-cache', ...args], { jest: runner });
  runs.push(result);
  return result;
}

const line = (file: string, marker: string) => markerLine('honest-retry', file, marker);

describe('a test retried after its leak failed it', () => {
  test.each(['vitest', 'jest30', 'jest29'] as const)(
    '%s: passed on retry, judged on the retry: no finding, exit 0',
    async (runner) => {
      const flaky = await run(runner, ['flaky']);
      expect(flaky.code, flaky.output).toBe(0);
      expect(flaky.output).toMatch(runner === 'vitest' ? /Tests\s+1 passed \(1\)/ : /Tests:\s+1 passed, 1 total/);
      expect(flaky.report!.findings).toEqual([]);
      expect(flaky.report!.summary).toMatchObject({ findings: 0, failing: 0, complete: true });
      expect(flaky.output).toMatch(/^leakwatch no leaks found in 1 files, 1 tests$/m);
      expect(flaky.output).not.toMatch(/\d+ failing/);
      expectJunitValid(flaky.junitPath);
      expectJunitMatchesReport(flaky);
    },
  );

  test.each(['vitest', 'jest30', 'jest29'] as const)(
    "%s: leaking on every attempt fails with one finding; a first attempt's leak still open at the end fails the file",
    async (runner) => {
      const failing = await run(runner, ['always', 'kept']);
      expect(failing.code, failing.output).toBe(1);
      const report = failing.report!;
      expectSchemaValid(report);
      expectConsistentSummary(report);
      expect(report.findings.map((f) => [f.kind, f.scope, f.action, f.file, f.test, f.site?.line])).toEqual([
        [
          'timer',
          'test',
          'fail',
          'always.test.js',
          ['leaks on every attempt'],
          line('always.test.js', 'every-attempt'),
        ],
        [
          'timer',
          'file',
          'fail',
          'kept.test.js',
          ['leaks on its first attempt and keeps it'],
          line('kept.test.js', 'kept'),
        ],
      ]);
      expect(failing.output).toMatch(/^leakwatch 2 failing, 0 warning in 2 files, 2 tests$/m);
      expectJunitValid(failing.junitPath);
      expectJunitMatchesReport(failing);
    },
  );
});

describe('the Jest setup-file-only form', () => {
  test.each(['jest30', 'jest29'] as const)(
    '%s: passed on retry, exit 0; leaking on every attempt fails',
    async (runner) => {
      const config = ['--config', 'jest.setup-only.config.cjs'];
      const [flaky, always] = await Promise.all([
        run(runner, [...config, 'flaky']),
        run(runner, [...config, 'always']),
      ]);
      expect(flaky.code, flaky.output).toBe(0);
      expect(flaky.output).toMatch(/Tests:\s+1 passed, 1 total/);
      expect(flaky.output).not.toContain('LeakError');
      // Nor in the block the worker prints for the file: the first attempt's finding was taken back.
      expect(flaky.output).not.toContain('is still open');
      expect(always.code, always.output).toBe(1);
      expect(always.output).toMatch(/Tests:\s+1 failed, 1 total/);
      expect(always.output).toContain(`timer at always.test.js:${line('always.test.js', 'every-attempt')}:`);
    },
  );
});

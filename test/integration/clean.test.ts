import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runVitest, type RunResult } from './run';
import { expectJunitMatchesReport, expectJunitValid, expectSchemaValid, parseJunit } from './helpers';

/**
 * The `clean` fixture holds a look-alike of every leak that is not one: cleared, unref'd, fired, closed, killed, failed,
 * terminated, closed in afterAll/afterEach (root-level and nested), stubbed by vi.stubGlobal, faked by
 * vi.useFakeTimers. Any finding at all, warnings included, is a false positive. Run in the three process models,
 * since each changes what shares a process with what.
 */
const MODES: Record<string, string[]> = {
  forks: ['--pool=forks'],
  threads: ['--pool=threads'],
  'no-isolate': ['--pool=forks', '--no-isolate', '--maxWorkers=1'],
};
const FILES = [
  'failures.test.ts',
  'files.test.ts',
  'globals.test.ts',
  'network.test.ts',
  'processes.test.ts',
  'timers.test.ts',
];
const TESTS = 40;

const runs: Record<string, RunResult> = {};
beforeAll(async () => {
  await Promise.all(
    Object.entries(MODES).map(async ([mode, args]) => {
      runs[mode] = await runVitest('clean', args);
    }),
  );
});
afterAll(() => Object.values(runs).forEach(cleanup));

describe.each(Object.keys(MODES))('clean suite, %s', (mode) => {
  test('zero findings, zero internal errors, exit code 0', () => {
    const run = runs[mode]!;
    expect(run.report, `no JSON report; Vitest said:\n${run.output}`).toBeDefined();
    expect(run.report!.findings, `false positives in ${mode}`).toEqual([]);
    expect(run.report!.errors).toEqual([]);
    expect(run.report!.summary).toMatchObject({
      files: FILES.length,
      tests: TESTS,
      findings: 0,
      failing: 0,
      warning: 0,
    });
    expect(run.output).not.toContain('LeakError');
    // Vitest 4.1 warns once per test file that imports 'vitest/suite'; leakwatch's setup file must not be one.
    expect(run.output).not.toMatch(/deprecated/i);
    expect(run.output).toMatch(new RegExp(`Tests\\s+${TESTS} passed \\(${TESTS}\\)`));
    expect(run.code, run.output).toBe(0);
  });

  test('reports are valid and list every test without a failure', () => {
    const run = runs[mode]!;
    expectSchemaValid(run.report);
    expectJunitValid(run.junitPath);
    expectJunitMatchesReport(run);
    const cases = parseJunit(run.junitPath).flatMap((s) => s.cases);
    expect(cases).toHaveLength(TESTS);
    expect(cases.filter((c) => c.failures.length > 0 || c.systemOut !== undefined)).toEqual([]);
  });
});

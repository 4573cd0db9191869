import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, findingsOf, runVitest, type RunResult } from './run';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  failedInOutput,
  markerLine,
  parseJunit,
} from './helpers';

/** The `warnings` fixture adds a global and a process listener: warnings by default, failures in the strict config. */
let warn: RunResult;
let strict: RunResult;
beforeAll(async () => {
  [warn, strict] = await Promise.all([
    runVitest('warnings'),
    runVitest('warnings', ['--config', 'vitest.strict.config.ts']),
  ]);
});
afterAll(() => [warn, strict].forEach(cleanup));

const GLOBAL_TEST = ['warnings', 'adds a global'];
const LISTENER_TEST = ['warnings', 'adds a process listener'];
const listenerLine = () => markerLine('warnings', 'warnings.test.ts', 'listener');

describe('a suite with only warnings', () => {
  test('exits 0', () => {
    expect(warn.code, warn.output).toBe(0);
    expect(warn.output).not.toContain('LeakError');
    expect(warn.output).toMatch(/Tests\s+3 passed \(3\)/);
  });

  test('reports both warnings, attributed to their tests', () => {
    const report = warn.report!;
    expect(report.summary).toMatchObject({ findings: 2, failing: 0, warning: 2 });
    const [global] = findingsOf(report, 'global', GLOBAL_TEST.join(' > '));
    expect(global).toMatchObject({
      action: 'warn',
      scope: 'test',
      file: 'warnings.test.ts',
      details: { name: 'leakwatchWarningGlobal' },
    });
    const [listener] = findingsOf(report, 'listener', LISTENER_TEST.join(' > '));
    expect(listener).toMatchObject({
      action: 'warn',
      scope: 'test',
      site: { file: 'warnings.test.ts', line: listenerLine() },
    });
    expectSchemaValid(report);
    expectConsistentSummary(report);
  });

  test('JUnit: warnings go to <system-out>, no <failure>', () => {
    expectJunitValid(warn.junitPath);
    expectJunitMatchesReport(warn);
    const cases = parseJunit(warn.junitPath).flatMap((s) => s.cases);
    expect(cases.filter((c) => c.failures.length > 0)).toEqual([]);
    expect(
      cases
        .filter((c) => c.systemOut !== undefined)
        .map((c) => c.name)
        .sort(),
    ).toEqual([GLOBAL_TEST.join(' > '), LISTENER_TEST.join(' > ')].sort());
  });
});

describe('the same suite with global and listener set to fail', () => {
  test('exits non-zero', () => {
    expect(strict.code, strict.output).toBe(1);
  });

  test('the offending tests fail in Vitest with a LeakError; the clean one passes', () => {
    expect(strict.output).toContain('LeakError');
    // A listener is judged when its test finishes: that test fails.
    expect(failedInOutput(strict.output, 'warnings.test.ts', LISTENER_TEST), strict.output).toBe(true);
    // A global is confirmed only once the runner is done with the test (Vitest's unstubGlobals restores after every
    // hook), so it may fail the test or, judged at the next boundary, its file. Either way Vitest must show it.
    expect(
      failedInOutput(strict.output, 'warnings.test.ts', GLOBAL_TEST) ||
        failedInOutput(strict.output, 'warnings.test.ts'),
      strict.output,
    ).toBe(true);
    expect(failedInOutput(strict.output, 'warnings.test.ts', ['warnings', 'leaves nothing behind'])).toBe(false);
    // The listener's LeakError points at the line that added it.
    expect(strict.output).toContain(`warnings.test.ts:${listenerLine()}:`);
  });

  test('the report marks both failing, pinned on their tests', () => {
    const report = strict.report!;
    expect(report.summary).toMatchObject({ findings: 2, failing: 2, warning: 0 });
    const [global] = findingsOf(report, 'global', GLOBAL_TEST.join(' > '));
    expect(global).toMatchObject({ action: 'fail', scope: 'test', file: 'warnings.test.ts' });
    const [listener] = findingsOf(report, 'listener', LISTENER_TEST.join(' > '));
    expect(listener).toMatchObject({
      action: 'fail',
      scope: 'test',
      site: { file: 'warnings.test.ts', line: listenerLine() },
    });
    const tests = (report as any).files[0].tests as Array<{ titlePath: string[]; state: string }>;
    const state = Object.fromEntries(tests.map((t) => [t.titlePath.join(' > '), t.state]));
    expect(state['warnings > adds a process listener']).toBe('failed');
    expect(state['warnings > leaves nothing behind']).toBe('passed');
    expectSchemaValid(report);
  });

  test('JUnit: a <failure> on each offending test', () => {
    expectJunitValid(strict.junitPath);
    expectJunitMatchesReport(strict);
    const cases = parseJunit(strict.junitPath).flatMap((s) => s.cases);
    expect(
      cases
        .filter((c) => c.failures.length > 0)
        .map((c) => c.failures[0]!.type)
        .sort(),
    ).toEqual(['leakwatch.global', 'leakwatch.listener']);
  });
});

import { expect } from 'vitest';
import { markerLine } from './helpers';
import type { ExpectedLeak } from './expected-leaks';
import path from 'node:path';
import { FIXTURES, runJest, runMocha, runNodeTest, runVitest, type Finding, type Report, type RunResult } from './run';

/**
 * The runners every shared fixture runs under: CommonJS test files with test globals and `require`, run by Vitest
 * (forks, `globals: true`), Jest 30 and Jest 29 (parallel workers), Mocha (--parallel) and node:test (a process per
 * file), the last two through a shim that gives them Jest's names; each run meets the same expectations.
 */
export const RUNNERS = {
  vitest: (fixture: string) => runVitest(fixture, ['--pool=forks']),
  // --no-cache (and a per-run cacheDirectory in the fixture's config): no timings from an earlier run, so Jest never
  // switches to run-in-band, where the deliberate leaks would keep its main process alive.
  jest30: (fixture: string) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { jest: 'jest30' }),
  jest29: (fixture: string) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { jest: 'jest29' }),
  // Each file in a worker, as under Vitest and Jest; the fixture's .mocharc.cjs maps the Jest-style globals.
  mocha: (fixture: string) => runMocha(fixture, ['--parallel', '--jobs=2']),
  // A process per file; the fixtures' Jest-style globals come from a shim (shared-globals/node-test.cjs says how they
  // differ), their options from leakwatch.config.cjs, and package.json makes their .js files CommonJS.
  'node-test': (fixture: string, options: { env?: Record<string, string> } = {}) =>
    runNodeTest(
      fixture,
      ['--require', path.join(FIXTURES, 'shared-globals', 'node-test.cjs'), '--test-reporter=spec'],
      options,
    ),
};
export type Runner = keyof typeof RUNNERS;
export const RUNNER_NAMES = Object.keys(RUNNERS) as Runner[];

export async function runAll(fixture: string, into: Partial<Record<Runner, RunResult>>): Promise<void> {
  await Promise.all(
    RUNNER_NAMES.map(async (runner) => {
      into[runner] = await RUNNERS[runner](fixture);
    }),
  );
}

export function reportOf(run: RunResult | undefined): Report {
  expect(run, 'the run did not happen').toBeDefined();
  expect(run!.report, `no JSON report; the runner said:\n${run!.output}`).toBeDefined();
  return run!.report!;
}

/** Tests the runner itself counted: "Tests  22 passed (22)" (Vitest) or "Tests:       22 passed, 22 total" (Jest). */
export function expectAllTestsPassed(runner: Runner, output: string, count: number): void {
  // node:test counts the file-level leaks as failed tests of their own: every test of the fixture passed.
  if (runner === 'node-test') {
    expect(output, "node:test's summary").toMatch(new RegExp(`^ℹ pass ${count}$`, 'm'));
    return;
  }
  const summary =
    runner === 'vitest'
      ? new RegExp(`Tests\\s+${count} passed \\(${count}\\)`)
      : runner === 'mocha'
        ? // Mocha counts its failed hooks (a file's leaks) apart: "22 passing" and "5 failing", no test failed.
          new RegExp(`^ {2}${count} passing \\(`, 'm')
        : new RegExp(`Tests:\\s+${count} passed, ${count} total`);
  expect(output, `${runner}'s test summary`).toMatch(summary);
}

const lineOf = (fixture: string, leak: ExpectedLeak): number | null =>
  leak.marker === null ? null : markerLine(fixture, leak.file, leak.marker);

/** Findings matching the expectation's kind, file, test and site line. */
export function findingsOf(fixture: string, report: Report, leak: ExpectedLeak): Finding[] {
  const line = lineOf(fixture, leak);
  return report.findings.filter(
    (f) =>
      f.kind === leak.kind &&
      f.file === leak.file &&
      JSON.stringify(f.test) === JSON.stringify(leak.test) &&
      (line === null ? f.site === null : f.site?.line === line),
  );
}

/** Exactly one finding for the expectation, with its scope, action, site, count and key details. */
export function expectFinding(fixture: string, report: Report, leak: ExpectedLeak): Finding {
  const matches = findingsOf(fixture, report, leak);
  const sameKindAndFile = report.findings.filter((f) => f.kind === leak.kind && f.file === leak.file);
  expect(
    matches,
    `no single ${leak.kind} finding at line ${lineOf(fixture, leak)} of ${leak.file}; that file's ${leak.kind} findings: ${JSON.stringify(sameKindAndFile.map((f) => ({ test: f.test, site: f.site })))}`,
  ).toHaveLength(1);
  const finding = matches[0]!;
  expect(finding.scope).toBe(leak.scope);
  expect(finding.action).toBe(leak.action);
  expect(finding.count).toBe(leak.count);
  if (leak.marker !== null) expect(finding.site).toMatchObject({ file: leak.file, line: lineOf(fixture, leak) });
  if (leak.details) expect(finding.details).toMatchObject(leak.details);
  // Resource messages say where the resource was made; per-test measurements belong to their test by construction.
  if (leak.scope === 'file')
    expect(finding.message).toContain(leak.test === null ? 'outside any test' : `in test "${leak.test.join(' > ')}"`);
  return finding;
}

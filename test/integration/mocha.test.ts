import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectPortablePaths,
  expectSchemaValid,
  markerLine,
  shape,
} from './helpers';
import { cleanup, runMocha, type MochaMajor, type Report, type RunResult } from './run';

/** A leak of mocha-kinds as `shape()` prints it, with the site line read from its `// @leak` marker. */
function expected(
  fixture: string,
  action: string,
  scope: string,
  kind: string,
  file: string,
  test: string[] | null,
  marker: string,
): string {
  return `${action} ${scope} ${kind} ${file} [${test?.join(' > ') ?? 'null'}] ${file}:${markerLine(fixture, file, marker)} x1`;
}

const KINDS = 'mocha-kinds';
const KINDS_LEAKS = () =>
  [
    expected(KINDS, 'fail', 'file', 'server', 'esm.test.mjs', ['esm', 'leaves a server listening'], 'esm-server'),
    expected(
      KINDS,
      'fail',
      'test',
      'listener',
      'hooks.test.js',
      ['hooks', 'adds a listener nobody removes'],
      'listener',
    ),
    expected(KINDS, 'fail', 'file', 'timer', 'hooks.test.js', null, 'nested-before'),
    expected(KINDS, 'fail', 'file', 'timer', 'module.test.js', null, 'module-interval'),
    expected(KINDS, 'fail', 'file', 'timer', 'timers.test.js', ['timers', 'leaves an interval'], 'interval'),
    expected(KINDS, 'fail', 'file', 'timer', 'top-level.test.js', ['top-level leaky test'], 'top-timeout'),
  ].sort();

/** Mocha's epilogue lists each failure as "N) <suite titles>\n <title>:" followed by its error. */
function failureTitles(output: string): string[] {
  const titles: string[] = [];
  const lines = output.split('\n');
  // The epilogue starts after "N failing"; before it, the spec reporter numbers failures inline too.
  const start = lines.findIndex((line) => /^ {2}\d+ failing/.test(line));
  for (let i = start + 1; start !== -1 && i < lines.length; i++) {
    const head = /^ {2}\d+\) (.*)$/.exec(lines[i]!);
    if (!head) continue;
    const parts = [head[1]!];
    // Nested titles follow, indented, the last one ending with ':'.
    while (!parts[parts.length - 1]!.endsWith(':') && i + 1 < lines.length && /^ {5,}\S/.test(lines[i + 1]!))
      parts.push(lines[++i]!.trim());
    titles.push(parts.join(' > ').replace(/:$/, ''));
  }
  return titles;
}

function reportOf(run: RunResult | undefined): Report {
  expect(run, 'the run did not happen').toBeDefined();
  expect(run!.report, `no JSON report; Mocha said:\n${run!.output}`).toBeDefined();
  return run!.report!;
}

const MODES = [
  { name: 'serial', args: [] as string[] },
  { name: '--parallel', args: ['--parallel', '--jobs=2'] },
];
const MAJORS: MochaMajor[] = ['mocha12', 'mocha11'];

describe.each(MAJORS.flatMap((mocha) => MODES.map((mode) => ({ mocha, ...mode }))))(
  'Mocha ($mocha, $name): every test and file judged after the user hooks',
  ({ mocha, args }) => {
    let run: RunResult | undefined;
    beforeAll(async () => {
      run = await runMocha(KINDS, args, { mocha });
    }, 60_000);
    afterAll(() => cleanup(run));

    it('finds exactly the leaks, with their test, scope and source line, and nothing of the clean look-alikes', () => {
      const report = reportOf(run);
      expect(report.runner).toBe('mocha');
      expect(report.findings.map(shape).sort()).toEqual(KINDS_LEAKS());
      expect(report.errors).toEqual([]);
    });

    it('fails the leaking test or file in Mocha output, and Mocha exits non-zero', () => {
      const titles = failureTitles(run!.output);
      // The test-scoped listener fails its test; each file's leaks fail the hook that judged the file.
      expect(titles).toContain('hooks > adds a listener nobody removes');
      for (const file of ['esm.test.mjs', 'hooks.test.js', 'module.test.js', 'timers.test.js', 'top-level.test.js'])
        expect(
          titles.some(
            (t) => t.includes(`leakwatch: ${file}`) || (file === 'top-level.test.js' && t === 'top-level leaky test'),
          ),
          `${file} failed in Mocha output; failures: ${JSON.stringify(titles)}`,
        ).toBe(true);
      expect(titles).toHaveLength(6);
      expect(run!.output).toMatch(/6 failing/);
      expect(run!.code).toBe(6);
    });

    it('retries and skipped tests: judged on the last attempt, skipped ones not at all', () => {
      const report = reportOf(run);
      const file = (report as any).files.find((f: { file: string }) => f.file === 'retries-skips.test.js');
      expect(file.tests).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            titlePath: ['retries', 'leaks a listener on its failing first attempt only'],
            state: 'passed',
          }),
          expect.objectContaining({ titlePath: ['skips', 'skips itself after adding a listener'], state: 'skipped' }),
          expect.objectContaining({ titlePath: ['skips', 'is skipped before it runs'], state: 'skipped' }),
        ]),
      );
      expect(report.findings.filter((f) => f.file === 'retries-skips.test.js')).toEqual([]);
      expect(run!.output).toMatch(/11 passing/);
      expect(run!.output).toMatch(/2 pending/);
    });

    it('writes reports valid against the schema, and a JUnit file that matches them', () => {
      const report = reportOf(run);
      expectSchemaValid(report);
      expectPortablePaths(report);
      expectConsistentSummary(report);
      expect(report.summary.files).toBe(6);
      expect(report.summary.tests).toBe(13);
      expectJunitValid(run!.junitPath);
      expectJunitMatchesReport(run!);
    });
  },
);

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JEST_BINS, cleanup, runJest, type Finding, type JestMajor, type Report, type RunResult } from './run';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  markerLine,
  shape,
} from './helpers';

/**
 * Jest configurations beyond a single project: multi-project configs, sharding, test.failing, and a user's own
 * environment, setup file and reporters next to withLeakwatch(). Every scenario runs on Jest 30 and Jest 29.
 */

/**
 * The jest-environment-node of each Jest major, for the user's custom environment (pnpm does not hoist it). Resolved
 * from Jest's real folder under .pnpm, as Node resolves what Jest itself loads, so it does not depend on the NODE_PATH
 * that pnpm's bin shims set (a suite started as `node vitest.mjs` has none).
 */
function jestEnvironmentNode(jest: JestMajor): string {
  let from = fs.realpathSync(JEST_BINS[jest]);
  for (const hop of ['@jest/core', 'jest-runner']) from = createRequire(from).resolve(`${hop}/package.json`);
  return createRequire(from).resolve('jest-environment-node');
}

const ARGS = ['--maxWorkers=2', '--no-cache'];

function reportOf(run: RunResult | undefined): Report {
  expect(run, 'the run did not happen').toBeDefined();
  expect(run!.report, `no JSON report; Jest said:\n${run!.output}`).toBeDefined();
  return run!.report!;
}

function filesOf(report: Report): Array<{ file: string; tests: Array<{ titlePath: string[]; state: string }> }> {
  return (report as any).files;
}

/**
 * Test files Jest itself printed a PASS or FAIL line for: "FAIL ./x.test.js", "FAIL a a/a.test.js" (with a project's
 * display name), followed by the file's duration when it was slow ("(5.2 s)", as on a loaded machine).
 */
function jestFileLines(output: string): Array<{ status: string; file: string }> {
  return [...output.matchAll(/^(PASS|FAIL) (?:\S+ )?(?:\.\/)?(\S+\.test\.js)(?: \([\d.]+ m?s\))?\s*$/gm)].map((m) => ({
    status: m[1]!,
    file: m[2]!,
  }));
}

function expectValidReports(run: RunResult): void {
  expectSchemaValid(run.report);
  expectConsistentSummary(run.report!);
  expectJunitValid(run.junitPath);
  expectJunitMatchesReport(run);
}

function expectFinding(report: Report, expected: Partial<Finding> & { fixture: string; marker: string }): Finding {
  const { fixture, marker, ...fields } = expected;
  const line = markerLine(fixture, fields.file!, marker);
  const matches = report.findings.filter(
    (f) => f.kind === fields.kind && f.file === fields.file && f.site?.line === line,
  );
  expect(
    matches,
    `${fields.kind} at ${fields.file}:${line}; findings: ${JSON.stringify(report.findings.map(shape))}`,
  ).toHaveLength(1);
  expect(matches[0]).toMatchObject({ ...fields, site: { file: fields.file, line }, count: 1 });
  return matches[0]!;
}

describe.each<JestMajor>(['jest30', 'jest29'])('%s', (jest) => {
  const runs: Record<string, RunResult> = {};
  beforeAll(async () => {
    const scenarios: Record<string, () => Promise<RunResult>> = {
      projects: () => runJest('jest-projects', ARGS, { jest }),
      twice: () => runJest('jest-projects', ['--config', 'jest.twice.config.cjs', ...ARGS], { jest }),
      paths: () => runJest('jest-projects', ['--config', 'jest.paths.config.cjs', ...ARGS], { jest }),
      shard1: () => runJest('jest-shard', ['--shard=1/2', ...ARGS], { jest }),
      shard2: () => runJest('jest-shard', ['--shard=2/2', ...ARGS], { jest }),
      failing: () => runJest('jest-failing', ARGS, { jest }),
      user: () =>
        runJest('jest-user-config', ARGS, {
          jest,
          env: { LEAKWATCH_FIXTURE_JEST_ENV_NODE: jestEnvironmentNode(jest) },
        }),
    };
    await Promise.all(
      Object.entries(scenarios).map(async ([name, start]) => {
        runs[name] = await start();
      }),
    );
  });
  afterAll(() => Object.values(runs).forEach(cleanup));

  describe('multi-project config (inline projects wrapped by withLeakwatch)', () => {
    test("each project's leak is found, on its test and line, and the run fails", () => {
      const run = runs.projects!;
      expect(run.code, run.output).toBe(1);
      const report = reportOf(run);
      expect(report.errors).toEqual([]);
      expectFinding(report, {
        fixture: 'jest-projects',
        marker: 'a',
        kind: 'timer',
        file: 'a/a.test.js',
        test: ['a leaks an interval'],
        action: 'fail',
        scope: 'file',
      });
      expectFinding(report, {
        fixture: 'jest-projects',
        marker: 'b',
        kind: 'server',
        file: 'b/b.test.js',
        test: ['b leaks a server'],
        action: 'fail',
        scope: 'file',
      });
      // Project 'c' has its own rootDir: paths stay relative to the run's root, like the files the reporter lists.
      expectFinding(report, {
        fixture: 'jest-projects',
        marker: 'c',
        kind: 'timer',
        file: 'c/c.test.js',
        test: ['c leaks a timeout'],
        action: 'fail',
        scope: 'file',
      });
      expect(report.findings).toHaveLength(3);
      expect(jestFileLines(run.output).sort((x, y) => x.file.localeCompare(y.file))).toEqual([
        { status: 'FAIL', file: 'a/a.test.js' },
        { status: 'FAIL', file: 'b/b.test.js' },
        { status: 'FAIL', file: 'c/c.test.js' },
      ]);
    });

    test('a project given as a path whose own config does not use leakwatch is named at startup; one that does is not', () => {
      const run = runs.paths!;
      expect(run.code, run.output).toBe(0);
      const notices = run.output.split('\n').filter((line) => line.startsWith('leakwatch: the Jest project'));
      expect(notices).toEqual([
        'leakwatch: the Jest project "<rootDir>/plain" is given as a path, and its own config does not use leakwatch: its files run without it. Fix: wrap that project\'s config with withLeakwatch(), or list the project inline in this config.',
      ]);
      expect(run.output).toMatch(/Tests:\s+2 passed, 2 total/);
    });

    test("a project without a testEnvironment gets 'node', as in Jest, not the top-level one", () => {
      const run = runs.projects!;
      // The top-level testEnvironment throws when constructed; Jest never hands it down to inline projects.
      expect(run.output).not.toContain('the top-level testEnvironment was applied to an inline project');
      expect(run.output).toMatch(/Tests:\s+3 passed, 3 total/);
      expect(filesOf(reportOf(run)).flatMap((f) => f.tests.map((t) => t.state))).toEqual([
        'passed',
        'passed',
        'passed',
      ]);
    });

    test('reports: valid JSON and JUnit, one testsuite per file, the findings in their own file', () => {
      expectValidReports(runs.projects!);
      expect(filesOf(reportOf(runs.projects)).map((f) => f.file)).toEqual([
        'a/a.test.js',
        'b/b.test.js',
        'c/c.test.js',
      ]);
    });

    test('the same file in two projects: Jest runs it twice', () => {
      const run = runs.twice!;
      expect(run.code, run.output).toBe(1);
      expect(filesOf(reportOf(run)).map((f) => f.file)).toEqual([
        'twice/other.test.js',
        'twice/other.test.js',
        'twice/twice.test.js',
        'twice/twice.test.js',
      ]);
      expect(
        jestFileLines(run.output)
          .filter((l) => l.file === 'twice/twice.test.js')
          .map((l) => l.status)
          .sort(),
      ).toEqual(['FAIL', 'PASS']);
    });

    // Known bug: workers write each file's result to the run directory under a name derived from the test path only,
    // so the two projects' runs of twice.test.js overwrite each other, and the reporter reads that one result for both
    // entries: the leak is reported twice with the same id (the leaky project's result written last) or not at all
    // (the clean one's written last). Needs the project (projectConfig.id) in the result's name, read per test result
    // in the reporter (onTestResult gets test.context.config), and a way for the report to tell the two runs of one
    // file apart (core: report.files and findings carry no project).
    test.fails('the same file in two projects: the leak of one project is reported once', () => {
      const report = reportOf(runs.twice);
      expect(report.findings.filter((f) => f.file === 'twice/twice.test.js')).toHaveLength(1);
      expectConsistentSummary(report);
    });
  });

  describe('--shard', () => {
    test('each shard reports exactly its own files, and together they cover every file once', () => {
      const all = ['four.test.js', 'one.test.js', 'three.test.js', 'two.test.js'];
      const shards = [runs.shard1!, runs.shard2!];
      const filesPerShard = shards.map((run) => {
        expect(run.code, run.output).toBe(1);
        const report = reportOf(run);
        expect(report.errors).toEqual([]);
        const files = filesOf(report)
          .map((f) => f.file)
          .sort();
        // The report lists exactly what Jest ran in this shard, and every finding belongs to one of those files.
        expect(files).toEqual(
          jestFileLines(run.output)
            .map((l) => l.file)
            .sort(),
        );
        expect(files.length).toBeGreaterThan(0);
        expect(report.summary).toMatchObject({
          files: files.length,
          tests: files.length,
          findings: files.length,
          failing: files.length,
        });
        for (const file of files) {
          expectFinding(report, {
            fixture: 'jest-shard',
            marker: 'interval',
            kind: 'timer',
            file,
            test: [`${file.split('.')[0]} leaks an interval`],
            action: 'fail',
          });
        }
        expectValidReports(run);
        return files;
      });
      expect(filesPerShard[0]!.filter((f) => filesPerShard[1]!.includes(f))).toEqual([]);
      expect([...filesPerShard[0]!, ...filesPerShard[1]!].sort()).toEqual(all);
    });
  });

  describe('test.failing', () => {
    const fixture = 'jest-failing';
    const testState = (file: string) => filesOf(reportOf(runs.failing)).find((f) => f.file === file)!.tests[0]!.state;

    test('a resource leaked by a test.failing test that throws: reported on the test, fails the file, the test passes', () => {
      const run = runs.failing!;
      expect(run.code, run.output).toBe(1);
      expectFinding(reportOf(run), {
        fixture,
        marker: 'interval',
        kind: 'timer',
        file: 'resource.test.js',
        test: ['throws as expected and leaks an interval'],
        action: 'fail',
        scope: 'file',
      });
      // Resources are judged after afterAll: the file fails ("Test suite failed to run"), the test keeps its pass.
      expect(testState('resource.test.js')).toBe('passed');
      expect(jestFileLines(run.output)).toContainEqual({ status: 'FAIL', file: 'resource.test.js' });
    });

    test('a failing test-scoped leak (listener set to fail) fails the test.failing test itself', () => {
      expectFinding(reportOf(runs.failing), {
        fixture,
        marker: 'listener',
        kind: 'listener',
        file: 'listener.test.js',
        test: ['throws as expected and leaks a listener'],
        action: 'fail',
        scope: 'test',
      });
      // jest-circus inverts only the outcome of the test body; leakwatch's error comes after it and is not inverted,
      // so the test fails (it would pass without the leak).
      expect(testState('listener.test.js')).toBe('failed');
      expect(runs.failing!.output).toMatch(/● throws as expected and leaks a listener\s+LeakError/);
    });

    test("a test.failing test that does not throw fails for Jest's own reason, and its leak is still reported", () => {
      expectFinding(reportOf(runs.failing), {
        fixture,
        marker: 'listener',
        kind: 'listener',
        file: 'unexpected-pass.test.js',
        test: ['does not throw, leaks a listener'],
        action: 'fail',
        scope: 'test',
      });
      expect(testState('unexpected-pass.test.js')).toBe('failed');
      expect(runs.failing!.output).toContain('Failing test passed even though it was supposed to fail');
    });

    test('exactly these three findings; valid reports', () => {
      expect(reportOf(runs.failing).findings).toHaveLength(3);
      expectValidReports(runs.failing!);
    });
  });

  describe("the user's own testEnvironment, setupFilesAfterEnv and reporters are kept", () => {
    test('the custom environment (<rootDir>/custom-environment.cjs) and the setup file are in effect in every test', () => {
      const run = runs.user!;
      // user.test.js asserts the environment's global, the test events it received and the setup file's global.
      expect(run.output).toMatch(/Tests:\s+6 passed, 6 total/);
      expect(filesOf(reportOf(run)).flatMap((f) => f.tests.map((t) => t.state))).toEqual(Array(6).fill('passed'));
    });

    test("leaks are found, after the setup file's afterEach: only the real leak", () => {
      const run = runs.user!;
      expect(run.code, run.output).toBe(1);
      const report = reportOf(run);
      expect(report.errors).toEqual([]);
      expectFinding(report, {
        fixture: 'jest-user-config',
        marker: 'timeout',
        kind: 'timer',
        file: 'user.test.js',
        test: ['user config', 'leaks a timeout'],
        action: 'fail',
        scope: 'file',
      });
      // The interval handed to the setup file's afterEach is cleared before leakwatch judges the test.
      expect(report.findings).toHaveLength(1);
      expectValidReports(run);
    });

    test("the user's reporters run next to leakwatch's: 'default' and their own, with its options", () => {
      const run = runs.user!;
      expect(jestFileLines(run.output).sort((x, y) => x.file.localeCompare(y.file))).toEqual([
        { status: 'PASS', file: 'other.test.js' },
        { status: 'FAIL', file: 'user.test.js' },
      ]);
      const own = JSON.parse(fs.readFileSync(path.join(run.outDir, 'user-reporter.json'), 'utf8'));
      expect(own).toEqual({
        options: { from: 'jest.config.cjs' },
        numTotalTests: 6,
        numPassedTests: 6,
        files: ['other.test.js', 'user.test.js'],
      });
      // leakwatch's console table, from its reporter in the main process.
      expect(run.output).toMatch(/leakwatch 1 failing, 0 warning/);
    });
  });
});

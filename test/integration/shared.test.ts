import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VITEST_VERSION, cleanup, type Finding, type Report, type RunResult } from './run';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectPortablePaths,
  expectSchemaValid,
  failedInOutput,
  markerLine,
  parseJunit,
  shape,
} from './helpers';
import type { ExpectedLeak } from './expected-leaks';
import {
  RUNNER_NAMES,
  expectAllTestsPassed,
  expectFinding,
  findingsOf,
  reportOf,
  runAll,
  type Runner,
} from './three-runners';

// One suite of scenarios, written once and run by both runners: the CommonJS test files of `shared-leaks` and
// `shared-clean` (test globals, `require`) run under Vitest (forks, `globals: true`), Jest 30 and Jest 29 (parallel
// workers), and every run must meet the same expectations, down to the finding ids. Runner-specific scenarios
// (vi.stubGlobal, fake timers, test.concurrent) stay in the runner-specific suites.

/** Whether the runner's own output shows the test file as failed (Jest adds "(5.2 s)" to a slow file's line). */
function fileFailedInOutput(runner: Runner, output: string, file: string): boolean {
  if (runner === 'vitest') return failedInOutput(output, file);
  // Mocha fails the hook that judged the file (leakwatch's root afterAll in the file's worker).
  if (runner === 'mocha') return output.includes(`"after all" hook: leakwatch: ${file} in "{root}"`);
  // node:test's spec reporter: the file's own failure, by its absolute path.
  if (runner === 'node-test')
    return new RegExp(`^✖ .*[\\\\/]${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`, 'm').test(output);
  return new RegExp(`^FAIL \\./${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: \\([\\d.]+ m?s\\))?\\s*$`, 'm').test(
    output,
  );
}

/** Lines each fixture file appended when it loaded: "<pid>:<threadId> <file>". */
function workerLog(run: RunResult): Array<{ pid: string; file: string }> {
  return fs
    .readFileSync(path.join(run.outDir, 'workers.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [worker, file] = line.split(' ') as [string, string];
      return { pid: worker.split(':')[0]!, file };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// The expectations: one table for the three runners.

const LEAKS = 'shared-leaks';
const LEAKS_FILES = [
  'bystander.test.js',
  'files.test.js',
  'measured.test.js',
  'network.test.js',
  'placement.test.js',
  'processes.test.js',
  'timers.test.js',
];
const LEAKS_TESTS = 22;
/** Files with a failing finding: the runners fail them; bystander and measured (warnings only) pass. */
const FAILING_FILES = ['files.test.js', 'network.test.js', 'placement.test.js', 'processes.test.js', 'timers.test.js'];

const resource = (
  label: string,
  kind: Finding['kind'],
  file: string,
  test: string[] | null,
  marker: string,
  details?: Record<string, unknown>,
): ExpectedLeak => ({ label, kind, scope: 'file', action: 'fail', file, test, marker, count: 1, details });

const SHARED_LEAKS: ExpectedLeak[] = [
  resource('setInterval', 'timer', 'timers.test.js', ['timers', 'setInterval never cleared'], 'interval', {
    api: 'setInterval',
    delayMs: 1000,
  }),
  resource('setTimeout (long)', 'timer', 'timers.test.js', ['timers', 'long setTimeout'], 'timeout', {
    api: 'setTimeout',
    delayMs: 60_000,
  }),
  resource(
    'setInterval of node:timers',
    'timer',
    'timers.test.js',
    ['timers', 'setInterval of node:timers'],
    'node-timers',
    {
      api: 'setInterval',
      delayMs: 2000,
    },
  ),
  resource('TCP client socket', 'socket', 'network.test.js', ['network', 'tcp client socket'], 'tcp', {
    protocol: 'tcp',
    remoteAddress: '127.0.0.1',
  }),
  resource('UDP socket (dgram bind)', 'socket', 'network.test.js', ['network', 'udp socket'], 'udp', {
    protocol: 'udp',
    address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  }),
  resource('net server', 'server', 'network.test.js', ['network', 'net server'], 'net-server', {
    type: 'Server',
    address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  }),
  resource('http server', 'server', 'network.test.js', ['network', 'http server'], 'http-server', {
    address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  }),
  resource('child process', 'child-process', 'processes.test.js', ['processes', 'child process'], 'child', {
    command: 'sleep',
    argc: 1,
    pid: expect.any(Number),
  }),
  resource('worker thread', 'worker', 'processes.test.js', ['processes', 'worker thread'], 'worker', {
    threadId: expect.any(Number),
  }),
  resource(
    'MessageChannel port with a listener',
    'message-port',
    'processes.test.js',
    ['processes', 'message port with a listener'],
    'port',
    {
      type: 'MessagePort',
    },
  ),
  resource(
    'BroadcastChannel with onmessage',
    'message-port',
    'processes.test.js',
    ['processes', 'broadcast channel with onmessage'],
    'broadcast',
    {
      type: 'BroadcastChannel',
      name: 'leakwatch-fixture',
    },
  ),
  resource('fs.watch', 'fs-watcher', 'files.test.js', ['files', 'fs.watch'], 'watch', { api: 'fs.watch' }),
  resource('fs.watchFile', 'fs-watcher', 'files.test.js', ['files', 'fs.watchFile'], 'watchFile', {
    api: 'fs.watchFile',
  }),
  resource('fs.openSync fd', 'file-handle', 'files.test.js', ['files', 'fs.openSync'], 'openSync', {
    api: 'fs.open',
    path: expect.stringMatching(/shared-leaks[\\/]files\.test\.js$/),
  }),
  resource('fs.open (callback) fd', 'file-handle', 'files.test.js', ['files', 'fs.open with a callback'], 'open', {
    api: 'fs.open',
  }),
  resource(
    'fs.promises.open FileHandle',
    'file-handle',
    'files.test.js',
    ['files', 'fs.promises.open'],
    'promises.open',
    {
      api: 'fs.promises.open',
    },
  ),
  resource('better-sqlite3 Database', 'sqlite', 'files.test.js', ['files', 'better-sqlite3 database'], 'sqlite', {
    driver: 'better-sqlite3',
    memory: true,
  }),
  {
    label: 'global added by a test',
    kind: 'global',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.js',
    test: ['measured', 'adds a global'],
    marker: null,
    count: 1,
    details: { name: 'leakwatchFixtureGlobal' },
  },
  {
    label: 'process listener added by a test',
    kind: 'listener',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.js',
    test: ['measured', 'adds a process listener'],
    marker: 'listener',
    count: 1,
    details: { event: 'leakwatch-fixture-event' },
  },
  {
    label: 'heap growth',
    kind: 'heap',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.js',
    test: ['measured', 'retains memory'],
    marker: null,
    count: 1,
    details: { threshold: 20 * 1024 * 1024 },
  },
  // Hook placement: only code that runs inside a test (its beforeEach included) is pinned on that test.
  resource('timer at module scope', 'timer', 'placement.test.js', null, 'module-scope'),
  resource('server in beforeAll', 'server', 'placement.test.js', null, 'beforeAll'),
  resource('timer in afterAll', 'timer', 'placement.test.js', null, 'afterAll'),
  resource('timer in a describe body', 'timer', 'placement.test.js', null, 'describe-body'),
  resource('timer in a nested beforeEach', 'timer', 'placement.test.js', ['outer', 'inner', 'deep test'], 'beforeEach'),
  resource('timer in a nested test', 'timer', 'placement.test.js', ['outer', 'inner', 'deep test'], 'deep-test'),
];

const findingsFor = (report: Report, leak: ExpectedLeak) => findingsOf(LEAKS, report, leak);
const expectLeak = (report: Report, leak: ExpectedLeak) => expectFinding(LEAKS, report, leak);
const _lineOf = (leak: ExpectedLeak): number | null =>
  leak.marker === null ? null : markerLine(LEAKS, leak.file, leak.marker);

// ---------------------------------------------------------------------------------------------------------------

describe('shared-leaks: every kind and hook placement, under Vitest, Jest 30 and Jest 29', () => {
  const runs: Partial<Record<Runner, RunResult>> = {};
  beforeAll(() => runAll(LEAKS, runs));
  afterAll(() => Object.values(runs).forEach(cleanup));

  describe.each(RUNNER_NAMES)('%s', (runner) => {
    const run = () => runs[runner]!;
    const report = () => reportOf(runs[runner]);

    test('a failing finding fails the run: exit code 1, no internal error', () => {
      // Mocha's exit code is its number of failures: each failing file's hook.
      expect(run().code, run().output).toBe(runner === 'mocha' ? FAILING_FILES.length : 1);
      expect(report().errors).toEqual([]);
      expect(report().runner).toBe(runner.startsWith('jest') ? 'jest' : runner);
      // The Vitest installed beside the tests: 4.1 here, 5 in the Node 24 job.
      expect(report().runnerVersion).toMatch(
        {
          vitest: new RegExp(`^${VITEST_VERSION.replaceAll('.', '\\.')}$`),
          jest30: /^30\./,
          jest29: /^29\./,
          mocha: /^12\./,
          'node-test': new RegExp(`^${process.versions.node.replaceAll('.', '\\.')}$`),
        }[runner],
      );
    });

    test.each(SHARED_LEAKS.map((l) => [l.label, l] as const))('%s', (_label, leak) => {
      expectLeak(report(), leak);
    });

    test('nothing else is reported: no duplicates, no false positives, nothing blamed on the bystander file', () => {
      const expected = new Set(SHARED_LEAKS.flatMap((leak) => findingsFor(report(), leak)));
      expect(
        report()
          .findings.filter((f) => !expected.has(f))
          .map(shape),
        'findings the fixture did not ask for',
      ).toEqual([]);
      expect(report().findings).toHaveLength(SHARED_LEAKS.length);
      for (const f of report().findings) if (f.site) expect(f.site.file, shape(f)).toBe(f.file);
    });

    test('a child process is one finding, not one per stdio pipe; heap growth carries the bytes retained', () => {
      expect(report().findings.filter((f) => f.file === 'processes.test.js' && f.kind === 'socket')).toEqual([]);
      const [heap] = report().findings.filter((f) => f.kind === 'heap');
      // The test retains 12M doubles (~92 MiB) in a module-level array; garbage present at the test's start is
      // subtracted from the growth (15-25 MiB under Jest), never added.
      expect(heap!.bytes).toBeGreaterThan(40 * 1024 * 1024);
      expect(heap!.bytes).toBeLessThan(150 * 1024 * 1024);
      expect(heap!.message).toMatch(/MiB/);
    });

    test("the runner's own output: the leaky files fail, the others pass, every test passes", () => {
      expectAllTestsPassed(runner, run().output, LEAKS_TESTS);
      expect(run().output).toContain('LeakError');
      for (const file of LEAKS_FILES) {
        expect(fileFailedInOutput(runner, run().output, file), `${runner}'s FAIL line for ${file}`).toBe(
          FAILING_FILES.includes(file),
        );
      }
      // The error points at the leak's line.
      expect(run().output).toContain(`timers.test.js:${markerLine(LEAKS, 'timers.test.js', 'interval')}:`);
    });

    test('the files ran in parallel worker processes, each once', () => {
      const log = workerLog(run());
      expect(log.map((l) => l.file).sort()).toEqual(LEAKS_FILES);
      const pids = new Set(log.map((l) => l.pid));
      // Vitest forks and node:test: one process per file. Jest --maxWorkers=2: two workers share the files, never the
      // main process.
      if (runner === 'vitest' || runner === 'node-test') expect(pids.size).toBe(LEAKS_FILES.length);
      else expect(pids.size).toBe(2);
    });

    test('JSON report: valid against leak-report.schema.json, consistent summary, portable paths', () => {
      expectSchemaValid(report());
      expectConsistentSummary(report());
      expectPortablePaths(report());
      expect(report().summary).toMatchObject({
        files: LEAKS_FILES.length,
        tests: LEAKS_TESTS,
        findings: SHARED_LEAKS.length,
        failing: 23,
        warning: 3,
      });
      for (const f of report().findings) expect(f.id).toMatch(/^[0-9a-f]{12}$/);
    });

    test('JUnit report: valid (xmllint), one testcase per test, failures on the leaky tests', () => {
      expectJunitValid(run().junitPath);
      expectJunitMatchesReport(run());
      const cases = parseJunit(run().junitPath).flatMap((s) => s.cases);
      // The tests themselves, plus one "outside any test" case for placement.test.js.
      expect(cases).toHaveLength(LEAKS_TESTS + 1);
    });
  });

  test('ids, sites (to the column) and counts are identical across Vitest, Jest 30 and Jest 29', () => {
    const byShape = (runner: Runner) =>
      Object.fromEntries(reportOf(runs[runner]).findings.map((f) => [shape(f), f.id]));
    const baseline = byShape('vitest');
    expect(Object.keys(baseline)).toHaveLength(SHARED_LEAKS.length);
    for (const runner of RUNNER_NAMES) expect(byShape(runner), runner).toEqual(baseline);
    for (const leak of SHARED_LEAKS) {
      const found = RUNNER_NAMES.map((runner) => findingsFor(reportOf(runs[runner]), leak)[0]);
      expect(new Set(found.map((f) => f?.id)).size, `${leak.label}: ${JSON.stringify(found.map((f) => f?.id))}`).toBe(
        1,
      );
      expect(new Set(found.map((f) => JSON.stringify(f?.site))).size, `${leak.label}: sites`).toBe(1);
    }
  });

  test('the three reports list the same files and tests, with the same states', () => {
    const tests = (runner: Runner) =>
      (
        (reportOf(runs[runner]) as any).files as Array<{
          file: string;
          tests: Array<{ titlePath: string[]; state: string }>;
        }>
      )
        .flatMap((f) => f.tests.map((t) => `${f.file} > ${t.titlePath.join(' > ')}: ${t.state}`))
        .sort();
    expect(tests('vitest')).toHaveLength(LEAKS_TESTS);
    for (const runner of RUNNER_NAMES) expect(tests(runner), runner).toEqual(tests('vitest'));
  });
});

describe('shared-clean: look-alikes of every leak, under Vitest, Jest 30 and Jest 29', () => {
  const CLEAN = 'shared-clean';
  const CLEAN_FILES = ['failures.test.js', 'files.test.js', 'network.test.js', 'processes.test.js', 'timers.test.js'];
  const CLEAN_TESTS = 41;
  const runs: Partial<Record<Runner, RunResult>> = {};
  beforeAll(() => runAll(CLEAN, runs));
  afterAll(() => Object.values(runs).forEach(cleanup));

  describe.each(RUNNER_NAMES)('%s', (runner) => {
    const run = () => runs[runner]!;
    const report = () => reportOf(runs[runner]);

    test('zero findings (warnings included), zero internal errors, exit code 0', () => {
      expect(report().findings.map(shape), `false positives under ${runner}`).toEqual([]);
      expect(report().errors).toEqual([]);
      expect(report().summary).toMatchObject({
        files: CLEAN_FILES.length,
        tests: CLEAN_TESTS,
        findings: 0,
        failing: 0,
        warning: 0,
      });
      expect(run().output).not.toContain('LeakError');
      expectAllTestsPassed(runner, run().output, CLEAN_TESTS);
      expect(run().code, run().output).toBe(0);
    });

    test('reports are valid and list every test without a failure or a warning', () => {
      expectSchemaValid(report());
      expectConsistentSummary(report());
      expectJunitValid(run().junitPath);
      expectJunitMatchesReport(run());
      const cases = parseJunit(run().junitPath).flatMap((s) => s.cases);
      expect(cases).toHaveLength(CLEAN_TESTS);
      expect(cases.filter((c) => c.failures.length > 0 || c.systemOut !== undefined)).toEqual([]);
    });
  });

  test('the three reports list the same files and tests, all passed', () => {
    const tests = (runner: Runner) =>
      (
        (reportOf(runs[runner]) as any).files as Array<{
          file: string;
          tests: Array<{ titlePath: string[]; state: string }>;
        }>
      )
        .flatMap((f) => f.tests.map((t) => `${f.file} > ${t.titlePath.join(' > ')}: ${t.state}`))
        .sort();
    expect(tests('vitest')).toHaveLength(CLEAN_TESTS);
    expect(tests('vitest').every((t) => t.endsWith(': passed'))).toBe(true);
    expect([...new Set(tests('vitest').map((t) => t.split(' > ')[0]))]).toEqual(CLEAN_FILES);
    for (const runner of RUNNER_NAMES) expect(tests(runner), runner).toEqual(tests('vitest'));
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, findingsOf, runVitest, type RunResult } from './run';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectPortablePaths,
  expectSchemaValid,
  failedInOutput,
  parseJunit,
  shape,
} from './helpers';
import {
  EXPECTED_LEAKS,
  LEAKS_FILES,
  LEAKS_FIXTURE,
  LEAKS_TEST_COUNT,
  expectExactlyTheExpectedLeaks,
  expectLeak,
  expectedLine,
} from './expected-leaks';

/**
 * The leaky fixture under every process model Vitest offers, run concurrently. The forks run is judged from every
 * angle; each other mode must report exactly the same findings, with the same ids (ids never depend on pids, ports,
 * fds or worker layout).
 */
const MODES: Record<string, string[]> = {
  forks: ['--pool=forks'],
  threads: ['--pool=threads'],
  // One worker for all seven files: leaks of one file stay open while the next files run in the same process.
  'no-isolate': ['--pool=forks', '--no-isolate', '--maxWorkers=1'],
  // The default pool (forks again) with two files at a time: the second forks run for id stability.
  'maxWorkers=2': ['--maxWorkers=2'],
};

const runs: Record<string, RunResult> = {};
let run: RunResult;
beforeAll(async () => {
  await Promise.all(
    Object.entries(MODES).map(async ([mode, args]) => {
      runs[mode] = await runVitest(LEAKS_FIXTURE, args);
    }),
  );
  run = runs.forks!;
});
afterAll(() => Object.values(runs).forEach(cleanup));

const report = () => {
  expect(run.report, `no JSON report; Vitest said:\n${run.output}`).toBeDefined();
  return run.report!;
};

describe('a leak of each kind is detected and pinned on its test and line', () => {
  // Placement-specific leaks are checked under "hook placement" below.
  const perKind = EXPECTED_LEAKS.filter((l) => l.file !== 'placement.test.ts');
  test.each(perKind.map((l) => [l.label, l] as const))('%s', (_label, leak) => {
    expectLeak(report(), leak);
  });

  test('nothing else is reported: no duplicates, no false positives, nothing blamed on the bystander file', () => {
    expectExactlyTheExpectedLeaks(report());
    expect(report().findings.filter((f) => f.file === 'bystander.test.ts')).toEqual([]);
    // Every finding's site is in the file it is reported against.
    for (const f of report().findings) if (f.site) expect(f.site.file).toBe(f.file);
  });

  test('a child process is one finding, not one per stdio pipe', () => {
    const inFile = report().findings.filter((f) => f.file === 'processes.test.ts');
    const childLine = expectedLine(EXPECTED_LEAKS.find((l) => l.kind === 'child-process')!);
    expect(inFile.filter((f) => f.site?.line === childLine)).toHaveLength(1);
    expect(findingsOf(report(), 'socket').filter((f) => f.file === 'processes.test.ts')).toEqual([]);
    expect(findingsOf(report(), 'child-process')).toHaveLength(1);
    expect(findingsOf(report(), 'child-process')[0]!.details?.pid).toEqual(expect.any(Number));
  });

  test('heap growth is a warning with the bytes retained', () => {
    const [heap] = findingsOf(report(), 'heap', 'measured > retains memory');
    expect(heap).toBeDefined();
    // The test retains 6M doubles (~46 MiB) in a module-level array.
    expect(heap!.bytes).toBeGreaterThan(40 * 1024 * 1024);
    expect(heap!.bytes).toBeLessThan(200 * 1024 * 1024);
    expect(heap!.message).toMatch(/MiB/);
    // Only the retaining test crossed the threshold.
    expect(findingsOf(report(), 'heap')).toHaveLength(1);
  });

  test('messages name the test, the kind-specific facts and the fix', () => {
    const [timer] = findingsOf(report(), 'timer', 'timers > setInterval never cleared');
    expect(timer!.message).toContain('"timers > setInterval never cleared"');
    expect(timer!.message).toContain('clearInterval');
    const [listener] = findingsOf(report(), 'listener');
    expect(listener!.message).toContain('leakwatch-fixture-event');
    expect(listener!.message).toMatch(/process\.off|removeListener/);
    const [global] = findingsOf(report(), 'global');
    expect(global!.message).toContain('leakwatchFixtureGlobal');
    // Details are printed as text: an object that leaks into a message shows up as "[object Object]".
    for (const f of report().findings) expect(f.message, shape(f)).not.toContain('[object Object]');
  });
});

describe('hook placement', () => {
  test.each(EXPECTED_LEAKS.filter((l) => l.file === 'placement.test.ts').map((l) => [l.label, l] as const))(
    '%s',
    (_label, leak) => {
      const finding = expectLeak(report(), leak);
      expect(finding.scope).toBe('file');
      expect(finding.test).toEqual(leak.test);
      if (leak.test === null) expect(finding.message).toContain('outside any test');
    },
  );

  test('leaks made outside tests are never pinned on a test', () => {
    const outside = report().findings.filter((f) => f.test === null);
    expect(outside.map((f) => f.site?.line).sort()).toEqual(
      EXPECTED_LEAKS.filter((l) => l.test === null)
        .map(expectedLine)
        .sort(),
    );
  });
});

describe('exit code and Vitest output', () => {
  test('a failing finding makes the run fail', () => {
    expect(run.code, run.output).toBe(1);
    expect(report().summary.failing).toBeGreaterThan(0);
  });

  test('the leaky files fail with a LeakError, the others do not; the tests themselves pass', () => {
    expect(run.output).toContain('LeakError');
    const failingFiles = [
      ...new Set(
        report()
          .findings.filter((f) => f.action === 'fail')
          .map((f) => f.file),
      ),
    ].sort();
    expect(failingFiles).toEqual([
      'files.test.ts',
      'network.test.ts',
      'placement.test.ts',
      'processes.test.ts',
      'timers.test.ts',
    ]);
    for (const file of LEAKS_FILES) {
      expect(failedInOutput(run.output, file), `Vitest's FAIL line for ${file}`).toBe(failingFiles.includes(file));
    }
    // Resource leaks are judged after afterAll: the file fails, every test still passed.
    expect(run.output).toMatch(new RegExp(`Tests\\s+${LEAKS_TEST_COUNT} passed \\(${LEAKS_TEST_COUNT}\\)`));
    expect(run.output).toMatch(/Test Files\s+5 failed \| 2 passed \(7\)/);
  });

  test("Vitest's error points at the leak's line", () => {
    const line = expectedLine(EXPECTED_LEAKS.find((l) => l.label === 'setInterval')!);
    expect(run.output).toContain(`timers.test.ts:${line}:`);
  });
});

describe('JSON report', () => {
  test('validates against leak-report.schema.json', () => {
    expectSchemaValid(report());
  });

  test('summary, ids and paths', () => {
    expectConsistentSummary(report());
    expectPortablePaths(report());
    expect(report().summary).toMatchObject({ files: LEAKS_FILES.length, tests: LEAKS_TEST_COUNT });
    expect(report().errors).toEqual([]);
    for (const f of report().findings) expect(f.id).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('JUnit report', () => {
  test('validates against the JUnit 10 schema (xmllint)', () => {
    expectJunitValid(run.junitPath);
  });

  test('one <testcase> per test, a <failure> on each leaky test, warnings in <system-out>', () => {
    expectJunitMatchesReport(run);
    const suites = parseJunit(run.junitPath);
    const cases = suites.flatMap((s) => s.cases.map((c) => ({ ...c, file: s.attrs.name })));
    // The tests themselves, plus one "outside any test" case for placement.test.ts, in the leakwatch suite.
    expect(cases).toHaveLength(LEAKS_TEST_COUNT + 1);
    expect(cases.filter((c) => c.file === 'leakwatch').map((c) => [c.name, c.classname])).toEqual([
      ['placement.test.ts: leaks outside any test', 'placement.test.ts'],
    ]);
    const byName = (file: string, name: string) => cases.find((c) => c.file === file && c.name === name)!;
    expect(byName('timers.test.ts', 'timers > setInterval never cleared').failures).toEqual([
      expect.objectContaining({ type: 'leakwatch.timer' }),
    ]);
    // Several leaks of one testcase share its single <failure>, which names how many.
    expect(byName('leakwatch', 'placement.test.ts: leaks outside any test').failures).toMatchObject([
      { type: 'leakwatch', message: expect.stringContaining('4 leaks') },
    ]);
    expect(byName('placement.test.ts', 'outer > inner > deep test').failures).toMatchObject([
      { type: 'leakwatch', message: expect.stringContaining('2 leaks') },
    ]);
    expect(byName('measured.test.ts', 'measured > adds a global').failures).toEqual([]);
    expect(byName('measured.test.ts', 'measured > adds a global').systemOut).toContain('leakwatchFixtureGlobal');
    expect(byName('bystander.test.ts', 'bystander')).toMatchObject({ failures: [], systemOut: undefined });
  });
});

interface WorkerLine {
  worker: string;
  pid: string;
  file: string;
}

/** Lines each fixture file appended when it loaded: "<pid>:<threadId> <file>", in load order. */
function workerLog(r: RunResult): WorkerLine[] {
  return fs
    .readFileSync(path.join(r.outDir, 'workers.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [worker, file] = line.split(' ') as [string, string];
      return { worker, pid: worker.split(':')[0]!, file };
    });
}

describe.each(Object.keys(MODES).filter((m) => m !== 'forks'))('pool and isolation: %s', (mode) => {
  test('exactly the expected findings, a failing exit code, a valid report', () => {
    const r = runs[mode]!;
    expect(r.report, `no JSON report; Vitest said:\n${r.output}`).toBeDefined();
    expectExactlyTheExpectedLeaks(r.report!);
    expect(r.report!.errors).toEqual([]);
    expectSchemaValid(r.report);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('LeakError');
  });

  test('no finding is ever blamed on another file', () => {
    const { findings } = runs[mode]!.report!;
    expect(findings.filter((f) => f.file === 'bystander.test.ts')).toEqual([]);
    for (const f of findings) if (f.site) expect(f.site.file, `finding ${shape(f)}`).toBe(f.file);
  });
});

describe('the process layout really differs between modes', () => {
  test('every file ran once in every mode', () => {
    for (const mode of Object.keys(MODES))
      expect(
        workerLog(runs[mode]!)
          .map((l) => l.file)
          .sort(),
        mode,
      ).toEqual(LEAKS_FILES);
  });

  test('forks, maxWorkers=2: one process per file', () => {
    expect(new Set(workerLog(runs.forks!).map((l) => l.pid)).size).toBe(LEAKS_FILES.length);
    expect(new Set(workerLog(runs['maxWorkers=2']!).map((l) => l.pid)).size).toBe(LEAKS_FILES.length);
  });

  test('threads: one process, one worker thread per file', () => {
    const log = workerLog(runs.threads!);
    expect(new Set(log.map((l) => l.pid)).size).toBe(1);
    expect(new Set(log.map((l) => l.worker)).size).toBe(LEAKS_FILES.length);
    expect(log.every((l) => !l.worker.endsWith(':0'))).toBe(true);
  });

  test('no-isolate: all files share one worker, and the bystander runs after leaky files', () => {
    const log = workerLog(runs['no-isolate']!);
    expect(new Set(log.map((l) => l.worker)).size).toBe(1);
    // Leaky files ran before it in the same process, their leaks still open: it must still have no findings.
    expect(log.findIndex((l) => l.file === 'bystander.test.ts')).toBeGreaterThan(0);
  });
});

test('ids are identical across runs and modes (two forks runs included)', () => {
  const idsOf = (r: RunResult) => Object.fromEntries(r.report!.findings.map((f) => [shape(f), f.id]));
  const baseline = idsOf(runs.forks!);
  expect(Object.keys(baseline)).toHaveLength(EXPECTED_LEAKS.length);
  for (const mode of Object.keys(MODES)) expect(idsOf(runs[mode]!), mode).toEqual(baseline);
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runMocha, runVitest, type Finding, type Report, type RunResult } from './run';
import { expectConsistentSummary, expectSchemaValid, markerLine, shape } from './helpers';

/**
 * Timers leakwatch had never seen (node:timers/promises: setTimeout, the setInterval iterator, setImmediate,
 * scheduler.wait), and fake timers a test left on (the runner's own, @sinonjs/fake-timers' install()), which must
 * change neither what leakwatch reports nor how long it takes. `shared-timers` and `sinon-timers` (apart: sinon left
 * installed stays on for the later files of a Jest worker) run under Vitest (forks), Jest 30 and Jest 29 with the same
 * expectations; the runner-specific parts (ESM named imports, the vm pool) are Vitest's.
 */
const RUNNERS = {
  vitest: (fixture: string) => runVitest(fixture, ['--pool=forks']),
  // --no-cache (and a per-run cacheDirectory in the fixture's config): parallel workers, not run-in-band.
  jest30: (fixture: string) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { jest: 'jest30' }),
  jest29: (fixture: string) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { jest: 'jest29' }),
  // sinon-timers only: Mocha has no fake timers of its own for shared-timers' vi/jest calls.
  mocha: (fixture: string) => runMocha(fixture, ['--parallel', '--jobs=2']),
};
type Runner = keyof typeof RUNNERS;
const RUNNER_NAMES: Runner[] = ['vitest', 'jest30', 'jest29'];

function reportOf(run: RunResult | undefined): Report {
  expect(run, 'the run did not happen').toBeDefined();
  expect(run!.report, `no JSON report; the runner said:\n${run!.output}`).toBeDefined();
  return run!.report!;
}

interface Expected {
  kind: string;
  file: string;
  test: string[] | null;
  marker: string;
  details?: Record<string, unknown>;
}

/** What a finding is judged on here: kind, file, test and site line (the `// @leak` marker's). */
const expectedShape = (fixture: string, e: Expected) =>
  `${e.kind} ${e.file} [${e.test?.join(' > ') ?? 'null'}] ${e.file}:${markerLine(fixture, e.file, e.marker)}`;
const findingShape = (f: Finding) =>
  `${f.kind} ${f.file} [${f.test?.join(' > ') ?? 'null'}] ${f.site ? `${f.site.file}:${f.site.line}` : 'no-site'}`;

/** Exactly the expected findings, nothing else, each with its details; and no internal error. */
function expectExactly(fixture: string, report: Report, expected: Expected[]): void {
  expect(report.errors, 'internal errors of leakwatch').toEqual([]);
  expect(report.findings.map(findingShape).sort()).toEqual(expected.map((e) => expectedShape(fixture, e)).sort());
  for (const e of expected) {
    const finding = report.findings.find((f) => findingShape(f) === expectedShape(fixture, e))!;
    expect(finding.scope, findingShape(finding)).toBe('file');
    expect(finding.action, findingShape(finding)).toBe('fail');
    if (e.details) expect(finding.details, findingShape(finding)).toEqual(e.details);
  }
}

const SHARED = 'shared-timers';
const PROMISES = ['timers/promises'];
const SHARED_EXPECTED: Expected[] = [
  {
    kind: 'timer',
    file: 'promises.test.js',
    test: [...PROMISES, 'setTimeout never awaited'],
    marker: 'setTimeout',
    details: { api: 'timers/promises.setTimeout', delayMs: 60_000 },
  },
  {
    kind: 'timer',
    file: 'promises.test.js',
    test: [...PROMISES, 'setInterval iterator left open'],
    marker: 'setInterval',
    details: { api: 'timers/promises.setInterval', delayMs: 20 },
  },
  {
    kind: 'timer',
    file: 'promises.test.js',
    test: [...PROMISES, 'scheduler.wait never awaited'],
    marker: 'wait',
    details: { api: 'timers/promises.scheduler.wait', delayMs: 60_000 },
  },
  {
    kind: 'timer',
    file: 'promises.test.js',
    test: [...PROMISES, 'setTimeout reached through require("timers").promises'],
    marker: 'timers.promises',
    details: { api: 'timers/promises.setTimeout', delayMs: 30_000 },
  },
  {
    kind: 'server',
    file: 'fake-left-on.test.js',
    test: ["the runner's fake timers left on", 'a real server and a real interval'],
    marker: 'fake-server',
  },
  {
    kind: 'timer',
    file: 'fake-left-on.test.js',
    test: ["the runner's fake timers left on", 'a real server and a real interval'],
    marker: 'fake-interval',
    details: { api: 'setInterval', delayMs: 1000 },
  },
  {
    kind: 'timer',
    file: 'iterator.test.js',
    test: ['a for await loop', 'left polling'],
    marker: 'polling',
    details: { api: 'timers/promises.setInterval', delayMs: 10 },
  },
];
const SHARED_FILES = [
  'fake-clean.test.js',
  'fake-left-on.test.js',
  'iterator.test.js',
  'promises-clean.test.js',
  'promises.test.js',
];
const SHARED_TESTS = 19;

const SINON = 'sinon-timers';
const SINON_EXPECTED: Expected[] = [
  {
    kind: 'server',
    file: 'sinon-left-on.test.js',
    test: ['@sinonjs/fake-timers left installed', 'a real server'],
    marker: 'sinon-server',
  },
];
const SINON_TESTS = 4;

/** Every test passed, by the runner's own count: "Tests  4 passed (4)" (Vitest) or "Tests:       4 passed, 4 total" (Jest). */
function expectAllTestsPassed(runner: Runner, output: string, count: number): void {
  expect(output).toMatch(
    runner === 'vitest'
      ? new RegExp(`Tests\\s+${count} passed \\(${count}\\)`)
      : runner === 'mocha'
        ? new RegExp(`^ {2}${count} passing \\(`, 'm')
        : new RegExp(`Tests:\\s+${count} passed, ${count} total`),
  );
}

describe.each([
  {
    fixture: SHARED,
    expected: SHARED_EXPECTED,
    files: SHARED_FILES.length,
    tests: SHARED_TESTS,
    runners: RUNNER_NAMES,
  },
  {
    fixture: SINON,
    expected: SINON_EXPECTED,
    files: 2,
    tests: SINON_TESTS,
    runners: [...RUNNER_NAMES, 'mocha'] as Runner[],
  },
])('$fixture: under Vitest, Jest 30 and Jest 29', ({ fixture, expected, files, tests, runners }) => {
  const runs: Partial<Record<Runner, RunResult>> = {};
  beforeAll(async () => {
    await Promise.all(runners.map(async (runner) => (runs[runner] = await RUNNERS[runner](fixture))));
  });
  afterAll(() => Object.values(runs).forEach(cleanup));

  describe.each(runners)('%s', (runner) => {
    const run = () => runs[runner]!;
    const report = () => reportOf(runs[runner]);

    test('each leak with its test, line and api; the clean look-alikes produce nothing; no internal error', () => {
      expectExactly(fixture, report(), expected);
      expect(
        report()
          .findings.filter((f) => f.file.includes('clean'))
          .map(shape),
        'findings in the clean files',
      ).toEqual([]);
      expect(run().code, run().output).toBe(1);
    });

    test('fake timers left on cost no time: no hook timed out, every test passed, the run ended promptly', () => {
      // Before leakwatch used the real clock, Vitest's afterAll hook timed out (10 s) and the file's findings were lost.
      expect(run().output).not.toMatch(/timed out/i);
      expectAllTestsPassed(runner, run().output, tests);
      expect(run().durationMs).toBeLessThan(20_000);
    });

    test('the JSON report is valid and lists every file', () => {
      expectSchemaValid(report());
      expectConsistentSummary(report());
      expect(report().summary).toMatchObject({ files, tests, findings: expected.length });
    });
  });
});

describe('Jest run in band: a for await loop over setInterval left polling', () => {
  // That file alone: the other files' leaks would keep the process alive by themselves.
  const only = (env: Record<string, string>) =>
    runJest(SHARED, ['--runInBand', '--no-cache', 'iterator.test.js'], { env, timeoutMs: 12_000 });
  let reaped: RunResult;
  let kept: RunResult;
  beforeAll(async () => {
    [reaped, kept] = await Promise.all([only({ CI: 'true' }), only({ CI: '' })]);
  });
  afterAll(() => [reaped, kept].forEach(cleanup));

  test('with reap (on when CI is set) it is reported and stopped, and Jest exits', () => {
    expect(reaped.code, reaped.output).toBe(1);
    expect(reaped.durationMs).toBeLessThan(10_000);
    expectExactly(SHARED, reportOf(reaped), [SHARED_EXPECTED.find((e) => e.file === 'iterator.test.js')!]);
  });

  test('without reap it keeps Jest alive (stopped here by our own bound): reaping is what let it exit', () => {
    expect(kept.code, kept.output).toBeNull();
    expect(kept.output).toContain('Jest did not exit');
    expectExactly(SHARED, reportOf(kept), [SHARED_EXPECTED.find((e) => e.file === 'iterator.test.js')!]);
  });
});

describe('Vitest only: named ESM imports of node:timers/promises, and setImmediate', () => {
  const ESM = 'timers-esm';
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest(ESM);
  });
  afterAll(() => cleanup(run));

  test('each leak through the import bindings, with its test and line; the clean file produces nothing', () => {
    const describeTitle = 'named imports of node:timers/promises';
    expectExactly(ESM, reportOf(run), [
      {
        kind: 'timer',
        file: 'esm.test.mjs',
        test: [describeTitle, 'setTimeout'],
        marker: 'esm-setTimeout',
        details: { api: 'timers/promises.setTimeout', delayMs: 60_000 },
      },
      {
        kind: 'timer',
        file: 'esm.test.mjs',
        test: [describeTitle, 'setInterval iterator'],
        marker: 'esm-setInterval',
        details: { api: 'timers/promises.setInterval', delayMs: 20 },
      },
      {
        kind: 'timer',
        file: 'esm.test.mjs',
        test: [describeTitle, 'scheduler.wait'],
        marker: 'esm-wait',
        details: { api: 'timers/promises.scheduler.wait', delayMs: 60_000 },
      },
      // Judged at once (settleMs 0): the Immediate made in the last afterAll has not run yet.
      {
        kind: 'timer',
        file: 'esm.test.mjs',
        test: null,
        marker: 'esm-setImmediate',
        details: { api: 'timers/promises.setImmediate' },
      },
    ]);
    expect(run.code, run.output).toBe(1);
  });
});

describe("Vitest's vm pool with jsdom (vmThreads)", () => {
  const VM = 'vm-jsdom';
  let run: RunResult;
  beforeAll(async () => {
    // One worker for both files, the clean one first (the larger file runs first): the leaky file is the worker's
    // second vm context, where Vitest 5's require of the first context no longer worked.
    run = await runVitest(VM, ['--maxWorkers=1']);
  });
  afterAll(() => cleanup(run));

  test("jsdom's timers (numbers, no unref) cause no internal error, and the file's server is reported", () => {
    // Only the server: jsdom's window.setInterval is jsdom's own timer, not one of the Node timers leakwatch wraps.
    expectExactly(VM, reportOf(run), [
      {
        kind: 'server',
        file: 'jsdom.test.js',
        test: ['vm pool with jsdom', 'leaks a server and a timer'],
        marker: 'vm-server',
      },
    ]);
    expect(run.output).not.toContain('internal error');
    expect(run.code, run.output).toBe(1);
  });

  test('the kinds it cannot see in a vm pool are said once, at startup', () => {
    expect(run.stderr.match(/under Vitest's vmThreads and vmForks pools, database connections/g)).toHaveLength(1);
  });
});

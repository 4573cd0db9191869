import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBaseline, type Finding as CoreFinding } from '@leakwatch/core';
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
      expect(run!.output).toMatch(/13 passing/);
      expect(run!.output).toMatch(/2 pending/);
    });

    it('writes reports valid against the schema, and a JUnit file that matches them', () => {
      const report = reportOf(run);
      expectSchemaValid(report);
      expectPortablePaths(report);
      expectConsistentSummary(report);
      expect(report.summary.files).toBe(8);
      expect(report.summary.tests).toBe(15);
      expectJunitValid(run!.junitPath);
      expectJunitMatchesReport(run!);
    });
  },
);

describe('Mocha --bail', () => {
  let run: RunResult | undefined;
  beforeAll(async () => {
    run = await runMocha(KINDS, ['--bail']);
  }, 60_000);
  afterAll(() => cleanup(run));

  it('stops at the first failure, judges what every loaded file left (so Mocha can exit) and marks the report incomplete', () => {
    const report = reportOf(run);
    // Mocha runs every file's top-level tests first: the top-level leak is the first failure.
    expect(failureTitles(run!.output)[0]).toBe('top-level leaky test');
    // The module-scope interval of a file that never ran would keep Mocha alive: judged and reaped at the end.
    expect(report.findings.map(shape).sort()).toEqual(
      [
        expected(KINDS, 'fail', 'file', 'timer', 'module.test.js', null, 'module-interval'),
        expected(KINDS, 'fail', 'file', 'timer', 'top-level.test.js', ['top-level leaky test'], 'top-timeout'),
      ].sort(),
    );
    expect((report.summary as { complete?: boolean }).complete).toBe(false);
    expect((report as { interrupted?: string }).interrupted).toMatch(/bail/);
    expectSchemaValid(report);
    expect(run!.code).not.toBe(0);
  });
});

describe('Mocha without --exit: the hang report and reap are what let a leaky run end', () => {
  const HANG = 'mocha-hang';
  const rootLeak = () => expected(HANG, 'fail', 'file', 'server', 'a-setup.test.js', null, 'root-before');
  const testLeak = () =>
    expected(HANG, 'fail', 'file', 'server', 'b.test.js', ['b', 'leaves a server listening'], 'b-server');
  const runs: Record<string, RunResult | undefined> = {};
  beforeAll(async () => {
    // Guarded: a run that hangs is killed after 30 s and fails below.
    const opts = { timeoutMs: 30_000 };
    [runs.serial, runs.exit, runs.single, runs.parallel] = await Promise.all([
      runMocha(HANG, [], opts),
      runMocha(HANG, ['--exit'], opts),
      runMocha(HANG, ['--no-config', '--require', '@leakwatch/mocha', 'a-setup.test.js'], opts),
      runMocha(HANG, ['--parallel', '--jobs=2'], opts),
    ]);
  }, 60_000);
  afterAll(() => Object.values(runs).forEach(cleanup));

  it('serial, several files: root-level hooks belong to the run; what they leave open is reported after the run, reaped, and Mocha exits', () => {
    const run = runs.serial!;
    expect(run.code, run.output).toBe(1);
    expect(run.durationMs).toBeLessThan(20_000);
    expect(run.output).toContain('the test run has finished, but this keeps the process alive');
    expect(run.output).toContain('closed them (reap)');
    expect(reportOf(run).findings.map(shape).sort()).toEqual([rootLeak(), testLeak()].sort());
    expectSchemaValid(run.report);
  });

  it('--exit: Mocha exits at once; the files are judged, the hang check does not get to run', () => {
    const run = runs.exit!;
    expect(run.code, run.output).toBe(1);
    expect(reportOf(run).findings.map(shape)).toEqual([testLeak()]);
    expect(run.output).not.toContain('keeps the process alive');
  });

  it('one file (serial) or each file in a --parallel worker: root-level hooks are the file’s, judged after its last one', () => {
    const single = runs.single!;
    expect(reportOf(single).findings.map(shape)).toEqual([rootLeak()]);
    expect(failureTitles(single.output)).toEqual(['"after all" hook: leakwatch: a-setup.test.js in "{root}"']);
    const parallel = runs.parallel!;
    expect(reportOf(parallel).findings.map(shape).sort()).toEqual([rootLeak(), testLeak()].sort());
    expect(parallel.output).not.toContain('keeps the process alive');
    for (const run of [single, parallel]) {
      expect(run.code, run.output).not.toBe(0);
      expectSchemaValid(run.report);
      expectJunitValid(run.junitPath);
      expectJunitMatchesReport(run);
    }
  });
});

describe('Mocha: .only, --check-leaks, TypeScript, a bad config', () => {
  const runs: Record<string, RunResult | undefined> = {};
  beforeAll(async () => {
    [runs.only, runs.checkLeaks, runs.checkLeaksParallel, runs.tsx, runs.tsNode, runs.badConfig, runs.badKey] =
      await Promise.all([
        runMocha('mocha-only'),
        runMocha('mocha-globals', ['--check-leaks']),
        runMocha('mocha-globals', ['--check-leaks', '--parallel', '--jobs=2']),
        runMocha('mocha-ts'),
        runMocha('mocha-ts', ['--config', 'ts-node.mocharc.cjs']),
        runMocha('mocha-bad-config'),
        runMocha('mocha-globals', ['--config', 'bad-key.mocharc.cjs']),
      ]);
  }, 60_000);
  afterAll(() => Object.values(runs).forEach(cleanup));

  it('it.only: the tests Mocha leaves out are never judged', () => {
    const run = runs.only!;
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/1 passing/);
    const report = reportOf(run);
    expect(report.findings).toEqual([]);
    expect(report.summary.tests).toBe(1);
    expectSchemaValid(report);
  });

  it('--check-leaks: Mocha fails the test for its global, leakwatch reports it by its policy, the clean look-alike passes both', () => {
    for (const run of [runs.checkLeaks!, runs.checkLeaksParallel!]) {
      expect(failureTitles(run.output)).toEqual(['globals > leaves a global behind']);
      expect(run.output).toContain("global leak(s) detected: 'leftByTest'");
      expect(run.code, run.output).toBe(1);
      const report = reportOf(run);
      expect(report.findings.map((f) => [f.kind, f.action, f.test, f.details?.name])).toEqual([
        ['global', 'warn', ['globals', 'leaves a global behind'], 'leftByTest'],
      ]);
    }
  });

  it('TypeScript through tsx and ts-node: sites are the .ts source lines', () => {
    const leaks = [
      expected(
        'mocha-ts',
        'fail',
        'file',
        'server',
        'servers.test.ts',
        ['typescript', 'leaves a server listening'],
        'ts-server',
      ),
      expected(
        'mocha-ts',
        'fail',
        'file',
        'timer',
        'servers.test.ts',
        ['typescript', 'leaves an interval'],
        'ts-interval',
      ),
    ].sort();
    for (const run of [runs.tsx!, runs.tsNode!]) {
      expect(reportOf(run).findings.map(shape).sort(), run.output).toEqual(leaks);
      expect(failureTitles(run.output)).toEqual(['"after all" hook: leakwatch: servers.test.ts in "{root}"']);
      expect(run.code).toBe(1);
    }
  });

  it('a bad leakwatch.config.* stops Mocha before any test, naming the key and the fix', () => {
    const run = runs.badConfig!;
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('invalid value for "kinds.timer"');
    expect(run.output).toContain('Fix:');
    expect(run.output).not.toContain('TEST BODY RAN');
  });

  it('so does a bad option under the `leakwatch` key of the Mocha config', () => {
    const run = runs.badKey!;
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('invalid value for "settleMs"');
    expect(run.output).toContain('in the `leakwatch` key of the Mocha config. Fix:');
    expect(run.output).not.toMatch(/passing/);
  });
});

describe('Mocha: baseline and GitHub annotations', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mocha-baseline-'));
  const baselineFile = path.join(dir, 'leakwatch-baseline.json');
  let first: RunResult | undefined;
  let second: RunResult | undefined;
  beforeAll(async () => {
    first = await runMocha(KINDS, [], { env: { FIXTURE_BASELINE: path.join(dir, 'none.json') } });
    const known = reportOf(first).findings.filter((f) => f.file === 'timers.test.js');
    expect(known).toHaveLength(1);
    writeBaseline(baselineFile, known as CoreFinding[]);
    second = await runMocha(KINDS, ['--parallel', '--jobs=2'], {
      env: (out) => ({
        FIXTURE_BASELINE: baselineFile,
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: path.join(out, 'summary.md'),
      }),
    });
  }, 60_000);
  afterAll(() => {
    [first, second].forEach(cleanup);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a known leak is baselined: reported, but no longer fails its file in Mocha', () => {
    const report = reportOf(second);
    expect(report.summary).toMatchObject({ findings: 6, failing: 5, baselined: 1 });
    expect(report.findings.find((f) => f.file === 'timers.test.js')).toMatchObject({ baselined: true });
    const titles = failureTitles(second!.output);
    expect(
      titles.some((t) => t.includes('timers.test.js')),
      JSON.stringify(titles),
    ).toBe(false);
    expect(titles).toHaveLength(5);
    expect(second!.code).toBe(5);
  });

  it('GitHub: an annotation at each failing leak’s line, and the step summary', () => {
    const line = markerLine(KINDS, 'esm.test.mjs', 'esm-server');
    expect(second!.output).toMatch(new RegExp(`::error file=esm\\.test\\.mjs,line=${line}\\b`));
    expect(second!.output).not.toMatch(/::error file=timers\.test\.js/);
    expect(fs.readFileSync(path.join(second!.outDir, 'summary.md'), 'utf8')).toContain('esm.test.mjs');
  });
});

describe('Mocha: a test file that throws while it loads', () => {
  const runs: Record<string, RunResult | undefined> = {};
  beforeAll(async () => {
    const opts = { timeoutMs: 30_000 };
    [runs.parallel, runs.serial] = await Promise.all([
      runMocha('shared-load-error', ['--parallel', '--jobs=2'], opts),
      runMocha('shared-load-error', [], opts),
    ]);
  }, 60_000);
  afterAll(() => Object.values(runs).forEach(cleanup));

  it('--parallel: what it made before the throw is reported against the file and reaped; the other file runs', () => {
    const run = runs.parallel!;
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('this test file fails to load');
    expect(run.output).toMatch(/1 passing/);
    // x2: Mocha 12 evaluates a CommonJS file that throws twice (require(), then import() as a fallback), so the file
    // really made two servers.
    expect(reportOf(run).findings.map(shape)).toEqual(['fail file server broken.test.js [null] broken.test.js:4 x2']);
    expect(reportOf(run).errors).toEqual([]);
  });

  it('serial: Mocha stops the run at the load error; leakwatch has judged (and reaped) what the file made', () => {
    const run = runs.serial!;
    expect(run.code, run.output).toBe(1);
    expect(run.durationMs).toBeLessThan(20_000);
    expect(run.output).toContain('this test file fails to load');
    // No run to report (Mocha exits before its global setup): the file's own block says it.
    expect(run.output).toMatch(/leakwatch\s+broken\.test\.js\s+\(1 finding\)/);
    expect(run.report).toBeUndefined();
  });
});

describe('Mocha serial: files whose top-level tests interleave', () => {
  const FIXTURE = 'mocha-interleave';
  let run: RunResult | undefined;
  beforeAll(async () => {
    run = await runMocha(FIXTURE);
  }, 60_000);
  afterAll(() => cleanup(run));

  it('resources stay their own file’s and test’s; the interleaved test is not measured as another file’s', () => {
    // Mocha runs a.test.js's and b.test.js's top-level tests, then a.test.js's describe block: b's tests run while
    // a's session is open. b's listener (a per-test measurement) would be judged as a.test.js's, so it is not taken.
    expect(reportOf(run).findings.map(shape).sort()).toEqual(
      [
        expected(FIXTURE, 'fail', 'file', 'timer', 'a.test.js', ['a: top-level test leaks a timeout'], 'a-top'),
        expected(FIXTURE, 'fail', 'file', 'timer', 'a.test.js', ['a', 'leaks an interval'], 'a-interval'),
        expected(FIXTURE, 'fail', 'file', 'timer', 'b.test.js', ['b: top-level test leaks an interval'], 'b-interval'),
      ].sort(),
    );
    for (const f of reportOf(run).findings) expect(f.site?.file, shape(f)).toBe(f.file);
    expect(run!.code).toBe(2);
  });
});

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeBaseline, type Finding as CoreFinding } from '@leakwatch/core';
import { expectJunitMatchesReport, expectJunitValid, expectSchemaValid, markerLine } from './helpers';
import { cleanup, findingsOf, runNodeTest, type RunResult } from './run.js';

/** better-sqlite3 is built for the Node the workspace was installed with; scripts/ci-node24.sh rebuilds it. */
const SQLITE_LOADS = (() => {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
})();

const line = (file: string, marker: string) => markerLine('node-test-kinds', file, marker);

describe('node --test --require @leakwatch/node-test, a process per file', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runNodeTest('node-test-kinds', ['--test-reporter=spec']);
  });
  afterAll(() => cleanup(run));

  test('every kind is found in its test test at its line; the run fails', () => {
    expect(run.code, run.output).toBe(1);
    const byKind = (kind: string, marker: string, testPath: string) => {
      const found = findingsOf(run.report, kind, testPath);
      expect(found, `${kind} in ${testPath}\n${run.output}`).toHaveLength(1);
      expect(found[0]!.site).toMatchObject({ file: 'leaky.test.js', line: line('leaky.test.js', marker) });
      expect(found[0]!).toMatchObject({ scope: 'file', action: 'fail', file: 'leaky.test.js' });
    };
    byKind('timer', 'interval', 'leaks > interval');
    byKind('server', 'server', 'leaks > server after await');
    byKind('file-handle', 'fd', 'leaks > fd');
    byKind('worker', 'worker', 'leaks > worker');
    byKind('child-process', 'child', 'leaks > child');
    if (SQLITE_LOADS) byKind('sqlite', 'sqlite', 'leaks > sqlite');
    expect(findingsOf(run.report, 'global', 'leaks > global')).toMatchObject([
      { action: 'warn', scope: 'test', details: { name: 'leakedGlobal' } },
    ]);
    expect(findingsOf(run.report, 'listener', 'leaks > listener')).toMatchObject([
      {
        action: 'warn',
        scope: 'test',
        site: { line: line('leaky.test.js', 'listener') },
        details: { event: 'SIGUSR2' },
      },
    ]);
  });

  test("the runner's own output fails each leaky file with the LeakError, and only those", () => {
    // A failed root after() hook: node:test reports it as a failed test named by the file, and the file's process
    // exits non-zero, so every reporter shows it and `node --test` exits 1.
    for (const file of ['leaky.test.js', 'concurrent.test.js', 'subtests.test.js', 'esm.test.mjs'])
      expect(run.stdout).toMatch(new RegExp(`✖ .*${file.replace('.', '\\.')} \\(`));
    expect(run.stdout).toContain(`leakwatch found ${SQLITE_LOADS ? 6 : 5} leaks`);
    expect(run.stdout).not.toMatch(/✖ .*clean\.test\.js/);
    // The tests themselves passed: the leaks fail the file, as they are judged after its after() hooks.
    expect(run.stdout).toMatch(/✔ interval \(/);
  });

  test("the clean look-alike, cleaned by the user's root after/afterEach and t.after, has no findings", () => {
    expect(run.report!.findings.filter((f) => f.file === 'clean.test.js')).toEqual([]);
  });

  test('{ concurrency: true }: each body runs in its own scope, so its resources are its own', () => {
    const found = run.report!.findings.filter((f) => f.file === 'concurrent.test.js');
    expect(found).toMatchObject([
      {
        kind: 'timer',
        test: ['concurrent', 'a leaks an interval'],
        site: { line: line('concurrent.test.js', 'concurrent') },
      },
    ]);
  });

  test('subtests (t.test) are tests of their own; an ESM test file is judged too', () => {
    expect(findingsOf(run.report, 'timer', 'outer > inner leaks')).toMatchObject([
      { site: { file: 'subtests.test.js', line: line('subtests.test.js', 'subtest') } },
    ]);
    expect(findingsOf(run.report, 'timer', 'esm leaks a timeout')).toMatchObject([
      { site: { file: 'esm.test.mjs', line: line('esm.test.mjs', 'esm') } },
    ]);
  });

  test('the report lists every test the runner ran (suites are not tests), and is valid', () => {
    const report = run.report!;
    expect(report.runner).toBe('node-test');
    expect(report.runnerVersion).toBe(process.versions.node);
    expect(report.summary).toMatchObject({ files: 5, tests: 20 });
    const files = (report as any).files as Array<{
      file: string;
      tests: Array<{ titlePath: string[]; state: string }>;
    }>;
    const subtests = files.find((f) => f.file === 'subtests.test.js')!.tests.map((t) => t.titlePath.join(' > '));
    expect(subtests.sort()).toEqual(['callback style', 'outer', 'outer > inner clean', 'outer > inner leaks']);
    expectSchemaValid(report);
    expectJunitValid(run.junitPath);
    expectJunitMatchesReport(run);
  });
});

describe('every reporter of the runner shows a leak, and the run exits 1', () => {
  let run: RunResult;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-node-reporters-'));
  beforeAll(async () => {
    run = await runNodeTest('node-test-kinds', [
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      '--test-reporter=dot',
      `--test-reporter-destination=${path.join(dir, 'dot.txt')}`,
      '--test-reporter=junit',
      `--test-reporter-destination=${path.join(dir, 'junit.xml')}`,
      // One test process at a time: the run is judged the same.
      '--test-concurrency=1',
      'concurrent.test.js',
      'clean.test.js',
    ]);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    cleanup(run);
  });

  test('tap, dot and junit', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toMatch(/not ok \d+ - .*concurrent\.test\.js/);
    expect(run.stdout).toContain('LeakError');
    expect(fs.readFileSync(path.join(dir, 'dot.txt'), 'utf8')).toContain('X');
    const junit = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure [^>]*type="hookFailed"/);
    expect(junit).toContain('leakwatch found 1 leak');
    expect(run.report!.findings).toHaveLength(1);
  });
});

describe('--import, which Node loads in the test processes only', () => {
  const files = ['concurrent.test.js', 'clean.test.js'];

  test('alone: each file is judged and failed in its own process, and no run report is written', async () => {
    const run = await runNodeTest(
      'node-test-kinds',
      ['--import', '@leakwatch/node-test', '--test-reporter=spec', ...files],
      {
        preload: false,
      },
    );
    try {
      expect(run.code, run.output).toBe(1);
      expect(run.stdout).toMatch(/✖ .*concurrent\.test\.js \(/);
      expect(run.output).toContain(`concurrent.test.js:${line('concurrent.test.js', 'concurrent')}:5`);
      expect(run.report).toBeUndefined();
    } finally {
      cleanup(run);
    }
  });

  test("with leakwatch's --test-reporter: the run's table and reports, beside the user's own reporter", async () => {
    const run = await runNodeTest(
      'node-test-kinds',
      [
        '--import',
        '@leakwatch/node-test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=@leakwatch/node-test/reporter',
        '--test-reporter-destination=stderr',
        ...files,
      ],
      { preload: false },
    );
    try {
      expect(run.code, run.output).toBe(1);
      expect(run.stdout).toMatch(/✖ .*concurrent\.test\.js \(/);
      expect(run.report!.summary).toMatchObject({ files: 2, tests: 7, failing: 1 });
      expect(findingsOf(run.report, 'timer', 'concurrent > a leaks an interval')).toHaveLength(1);
      expectSchemaValid(run.report);
      expectJunitMatchesReport(run);
    } finally {
      cleanup(run);
    }
  });
});

describe('failures of the files themselves, and the hang of the runner', () => {
  let run: RunResult;
  const at = (file: string, marker: string) => markerLine('node-test-errors', file, marker);
  beforeAll(async () => {
    // A user's preload after ours starts a server in the runner's process and never closes it.
    run = await runNodeTest('node-test-errors', ['--require', './parent-server.cjs', '--test-reporter=spec']);
  });
  afterAll(() => cleanup(run));

  test('a file that throws while it loads fails as without leakwatch, and what it made before is judged', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.stdout).toMatch(/✖ .*load-error\.test\.js \(/);
    expect(run.output).toContain('Error: boom at load');
    // Its tests, queued before the throw, never run (Node ends such a process at once).
    expect(run.stdout).not.toContain('never runs');
    expect(findingsOf(run.report, 'timer', null).filter((f) => f.file === 'load-error.test.js')).toMatchObject([
      { scope: 'file', action: 'fail', site: { line: at('load-error.test.js', 'load-error') } },
    ]);
  });

  test('a test failing on its own keeps its failure; skipped and todo tests are listed as skipped', () => {
    expect(run.stdout).toMatch(/✖ fails on its own and leaks/);
    expect(findingsOf(run.report, 'timer', 'fails on its own and leaks')).toMatchObject([
      { site: { line: at('failing.test.js', 'failing') } },
    ]);
    // A todo test runs (node:test reports its failures without failing the run): what it leaks is found.
    expect(findingsOf(run.report, 'timer', 'todo leaks')).toMatchObject([
      { site: { line: at('failing.test.js', 'todo') } },
    ]);
    const files = (run.report as any).files as Array<{
      file: string;
      tests: Array<{ titlePath: string[]; state: string }>;
    }>;
    expect(files.find((f) => f.file === 'failing.test.js')!.tests).toMatchObject([
      { titlePath: ['fails on its own and leaks'], state: 'failed' },
      { titlePath: ['passes'], state: 'passed' },
      { titlePath: ['skipped would leak'], state: 'skipped' },
      { titlePath: ['todo leaks'], state: 'skipped' },
    ]);
    expectSchemaValid(run.report);
    // (expectJunitMatchesReport knows no findings of files outside the run, as the hang's are.)
    expectJunitValid(run.junitPath);
  });

  test("what the runner's process keeps open after the run is reported, added to the reports, and reaped", () => {
    expect(run.output).toContain('the test run has finished, but this keeps the process alive');
    expect(run.output).toContain('closed them (reap), so the process can exit');
    expect(findingsOf(run.report, 'server', null).filter((f) => f.file === 'parent-server.cjs')).toMatchObject([
      { action: 'fail', site: { line: at('parent-server.cjs', 'parent-server') } },
    ]);
    // Reaped: the runner exited on its own, well before the harness's timeout.
    expect(run.durationMs).toBeLessThan(30_000);
  });
});

describe('--test-name-pattern, --test-only and --test-shard: only what ran is judged, as the runner reports it', () => {
  const FILTERS = 'node-test-filters';
  const found = (run: RunResult) => run.report!.findings.map((f) => `${f.file}: ${f.test!.join(' > ')}`).sort();
  /** The tests the runner ran; Node 20 also lists the filtered-out ones, as skipped, and Node 22+ leaves them out. */
  const ran = (run: RunResult) =>
    ((run.report as any).files as Array<{ file: string; tests: Array<{ titlePath: string[]; state: string }> }>)
      .flatMap((f) => f.tests.filter((t) => t.state !== 'skipped').map((t) => `${f.file}: ${t.titlePath.join(' > ')}`))
      .sort();
  const withRun = async (args: string[], check: (run: RunResult) => void) => {
    const run = await runNodeTest(FILTERS, ['--test-reporter=dot', ...args]);
    try {
      expect(run.code, run.output).toBe(1);
      check(run);
      expectSchemaValid(run.report);
      expectJunitMatchesReport(run);
    } finally {
      cleanup(run);
    }
  };

  test('--test-name-pattern', () =>
    withRun(['--test-name-pattern=beta'], (run) => {
      expect(found(run)).toEqual(['one.test.js: one > beta leaks']);
      expect(ran(run)).toEqual(['one.test.js: one > beta leaks']);
      expect(run.report!.findings[0]!.site!.line).toBe(markerLine(FILTERS, 'one.test.js', 'beta'));
    }));

  test('--test-only', () =>
    withRun(['--test-only'], (run) => {
      expect(found(run)).toEqual(['one.test.js: gamma only leaks']);
      expect(ran(run)).toEqual(['one.test.js: gamma only leaks']);
    }));

  test('--test-shard: each shard judges its files, and its reports say which shard they are', async () => {
    await withRun(['--test-shard=1/2'], (run) => {
      expect(found(run)).toEqual([
        'one.test.js: gamma only leaks',
        'one.test.js: one > alpha leaks',
        'one.test.js: one > beta leaks',
        'two.test.js: delta leaks',
      ]);
      expect(run.report!.shard).toEqual({ index: 1, count: 2 });
    });
    await withRun(['--test-shard=2/2'], (run) => {
      expect(found(run)).toEqual(['three.test.js: epsilon leaks']);
      expect(run.report!.shard).toEqual({ index: 2, count: 2 });
    });
  });
});

const [MAJOR, MINOR] = process.versions.node.split('.').map(Number) as [number, number];
describe.skipIf(MAJOR < 22 || (MAJOR === 22 && MINOR < 8))('--experimental-test-isolation=none (Node 22.8+)', () => {
  test('all files in the runner’s process: leakwatch says it is off for the run, and the run is as without it', async () => {
    const run = await runNodeTest('node-test-filters', [
      '--experimental-test-isolation=none',
      '--test-reporter=dot',
      // No test runs: every test of the fixture leaks, and leakwatch, off, would not reap them.
      '--test-name-pattern=^no test has this name$',
    ]);
    try {
      expect(run.stderr).toContain(
        "--test-isolation=none (all test files in the runner's own process) is not supported yet",
      );
      expect(run.code, run.output).toBe(0);
      expect(run.report).toBeUndefined();
    } finally {
      cleanup(run);
    }
  });
});

describe('policy, baseline, config errors and GitHub annotations, from leakwatch.config.cjs', () => {
  const POLICY = 'node-test-policy';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-node-policy-'));
  let first: RunResult;
  let second: RunResult;
  beforeAll(async () => {
    first = await runNodeTest(POLICY, ['--test-reporter=spec'], {
      env: (out) => ({
        FIXTURE_BASELINE: path.join(dir, 'none.json'),
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: path.join(out, 'step-summary.md'),
      }),
    });
    const baseline = path.join(dir, 'baseline.json');
    writeBaseline(
      baseline,
      first.report!.findings.filter(
        (f) => f.test?.[0] === 'an old leak the team has accepted for now',
      ) as CoreFinding[],
    );
    second = await runNodeTest(POLICY, ['--test-reporter=spec'], { env: { FIXTURE_BASELINE: baseline } });
  });
  afterAll(() => {
    [first, second].forEach(cleanup);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a failing per-test finding fails its test in the runner's output; the others fail the file", () => {
    expect(first.code, first.output).toBe(1);
    expect(first.report!.summary).toMatchObject({ findings: 3, failing: 3, baselined: 0 });
    expect(first.stdout).toMatch(/^✖ adds a process listener \(/m);
    expect(first.stdout).toMatch(/^✔ a clean test after it \(/m);
    expect(findingsOf(first.report, 'listener', 'adds a process listener')).toMatchObject([
      { action: 'fail', scope: 'test', site: { line: markerLine(POLICY, 'known.test.js', 'listener') } },
    ]);
  });

  test('GitHub Actions: an annotation at each failing line, and the step summary', () => {
    for (const marker of ['known', 'new', 'listener'])
      expect(first.output).toMatch(
        new RegExp(`^::error file=known\\.test\\.js,line=${markerLine(POLICY, 'known.test.js', marker)},`, 'm'),
      );
    expect(fs.readFileSync(path.join(first.outDir, 'step-summary.md'), 'utf8')).toContain('known.test.js');
  });

  test('with a baseline, the known leak is reported as baselined and only the new ones fail', () => {
    expect(second.code, second.output).toBe(1);
    expect(second.report!.summary).toMatchObject({ findings: 3, failing: 2, baselined: 1 });
    expect(
      second.report!.findings.find((f) => f.test?.[0] === 'an old leak the team has accepted for now'),
    ).toMatchObject({ baselined: true });
    expectSchemaValid(second.report);
    expectJunitMatchesReport(second);
  });

  test('a wrong value stops the run before any test file starts, naming the key and the fix', async () => {
    const bad = await runNodeTest(POLICY, ['--test-reporter=spec'], { env: { FIXTURE_BAD: '1' } });
    try {
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('leakwatch: invalid value for "settleMs"');
      expect(bad.stderr).toContain('Fix:');
      expect(bad.stdout).not.toContain('a new leak');
      expect(bad.report).toBeUndefined();
    } finally {
      cleanup(bad);
    }
  });
});

/**
 * Reports that never lie about the run: an interrupted or early-ended run leaves no stale report and marks its own
 * incomplete; a test file whose worker was killed is an error of that file; a report that cannot be written fails
 * the run (retries: retries.test.ts). Under Vitest, Jest 30 and Jest 29.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  markerLine,
  parseJunit,
} from './helpers';
import {
  childEnv,
  cleanup,
  FIXTURES,
  JEST_BINS,
  runJest,
  runVitest,
  TEST_DIR,
  VITEST_MAJOR,
  type Report,
  type RunResult,
} from './run';

const VITEST_BIN = path.join(TEST_DIR, 'node_modules', 'vitest', 'vitest.mjs');
type Runner = 'vitest' | 'jest30' | 'jest29';

interface Summary {
  files: number;
  tests: number;
  findings: number;
  failing: number;
  fileErrors: number;
  complete: boolean;
}
interface FileEntry {
  file: string;
  tests: Array<{ titlePath: string[]; state: string }>;
  error?: string;
}
const summaryOf = (report: Report) => report.summary as unknown as Summary;
const filesOf = (report: Report) => (report as unknown as { files: FileEntry[] }).files;
const names = (report: Report) => filesOf(report).map((f) => f.file);

const runs: RunResult[] = [];
afterAll(() => runs.forEach(cleanup));
function kept(run: RunResult): RunResult {
  runs.push(run);
  return run;
}

/** Fixture runs the usual way: Vitest with forks, Jest with its workers and no cache (never in band by timings). */
function run(runner: Runner, fixture: string, args: string[] = [], env: Record<string, string> = {}) {
  const result =
    runner === 'vitest'
      ? runVitest(fixture, ['--pool=forks', '--maxWorkers=2', ...args], { env })
      : // Jest refuses --maxWorkers with --runInBand.
        runJest(fixture, [...(args.includes('--runInBand') ? [] : ['--maxWorkers=2']), '--no-cache', ...args], {
          env,
          jest: runner,
        });
  return result.then(kept);
}

const STALE_JSON = '{"stale": "a report of an earlier run"}\n';
const STALE_JUNIT = '<?xml version="1.0"?><testsuites name="an earlier run"/>\n';

interface Interrupted extends RunResult {
  signal: NodeJS.Signals | null;
}

/**
 * Runs honest-interrupt with reports of an earlier run in place, waits until one file is judged and the other is
 * running, and sends `signal` to the runner's process. `plain`: the same suite without leakwatch.
 */
async function interrupt(runner: Runner, signal: 'SIGINT' | 'SIGTERM', plain = false): Promise<Interrupted> {
  const cwd = path.join(FIXTURES, 'honest-interrupt');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-run-'));
  const jsonPath = path.join(outDir, 'leakwatch.json');
  const junitPath = path.join(outDir, 'leakwatch-junit.xml');
  fs.writeFileSync(jsonPath, STALE_JSON);
  fs.writeFileSync(junitPath, STALE_JUNIT);
  const argv =
    runner === 'vitest'
      ? [VITEST_BIN, 'run', '--pool=forks', '--maxWorkers=2', ...(plain ? ['--config', 'vitest.plain.config.ts'] : [])]
      : [
          JEST_BINS[runner],
          '--ci',
          '--maxWorkers=2',
          '--no-cache',
          ...(plain ? ['--config', 'jest.plain.config.cjs'] : []),
        ];
  const started = Date.now();
  // A process group of its own, so that the test processes a killed runner leaves behind can be ended afterwards.
  const child = spawn(process.execPath, argv, {
    cwd,
    env: childEnv({ LEAKWATCH_FIXTURE_OUT: outDir, HONEST_WAIT: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, sig) => resolve({ code, signal: sig })),
  );
  let exited = false;
  void ended.then(() => (exited = true));
  const ready = path.join(outDir, 'ready');
  while (!fs.existsSync(ready) && !exited && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  const wasReady = fs.existsSync(ready);
  child.kill(wasReady ? signal : 'SIGKILL');
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const { code, signal: endSignal } = await ended;
  clearTimeout(guard);
  // Neither Jest's nor Vitest's workers end with their runner's process when it dies by a signal (with or without
  // leakwatch): the ones left in its group are ended here.
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // None left.
  }
  const result: Interrupted = {
    code,
    signal: endSignal,
    stdout,
    stderr,
    output: stdout + stderr,
    report: undefined,
    jsonPath,
    junitPath,
    outDir,
    durationMs: Date.now() - started,
  };
  kept(result);
  expect(wasReady, `the run never got to the point of interruption:\n${result.output}`).toBe(true);
  const text = fs.readFileSync(jsonPath, 'utf8');
  if (text !== STALE_JSON) result.report = JSON.parse(text);
  return result;
}

describe('an interrupted run (SIGINT, SIGTERM)', () => {
  const cases: Array<[Runner, 'SIGINT' | 'SIGTERM']> = [
    ['vitest', 'SIGINT'],
    ['vitest', 'SIGTERM'],
    ['jest30', 'SIGINT'],
    ['jest30', 'SIGTERM'],
    ['jest29', 'SIGINT'],
  ];
  test.each(cases)(
    "%s, %s: ends as without leakwatch, with this run's reports marked incomplete",
    async (runner, signal) => {
      const [withLeakwatch, plain] = await Promise.all([interrupt(runner, signal), interrupt(runner, signal, true)]);
      // The runner's own ending (exit code or signal) is untouched.
      expect({ code: withLeakwatch.code, signal: withLeakwatch.signal }).toEqual({
        code: plain.code,
        signal: plain.signal,
      });
      // Vitest exits 128 + the signal's number itself; Jest has no handler and ends by the signal.
      expect({ code: plain.code, signal: plain.signal }).toEqual(
        runner === 'vitest' ? { code: signal === 'SIGINT' ? 130 : 143, signal: null } : { code: null, signal },
      );

      const report = withLeakwatch.report;
      expect(report, `the earlier run's report was left in place:\n${withLeakwatch.output}`).toBeDefined();
      expectSchemaValid(report);
      expectConsistentSummary(report!);
      expect(summaryOf(report!)).toMatchObject({ complete: false, fileErrors: 0, failing: 1 });
      expect(report!.interrupted).toBe(signal);
      // The file judged before the signal, with its leak; the one still running is not claimed. Its tests are listed
      // when the runner had reported the file before the signal; its result alone comes from the worker.
      expect(filesOf(report!)[0]!.tests.map((t) => t.titlePath)).toEqual(
        filesOf(report!)[0]!.tests.length ? [['leaves an interval']] : [],
      );
      expect(names(report!)).toEqual(['a-leaks.test.js']);
      expect(report!.findings.map((f) => [f.kind, f.file, f.test, f.site?.line])).toEqual([
        ['timer', 'a-leaks.test.js', null, markerLine('honest-interrupt', 'a-leaks.test.js', 'interval')],
      ]);
      expect(withLeakwatch.output).toMatch(
        new RegExp(
          `^leakwatch: the run did not finish \\(${signal}\\): 1 test file finished; reports marked incomplete \\(complete: false\\): \\S*leakwatch\\.json, \\S*leakwatch-junit\\.xml$`,
          'm',
        ),
      );

      expectJunitValid(withLeakwatch.junitPath);
      expectJunitMatchesReport(withLeakwatch);
      const xml = fs.readFileSync(withLeakwatch.junitPath, 'utf8');
      const suites = parseJunit(withLeakwatch.junitPath);
      expect(xml.match(/<property name="leakwatch.complete" value="false"\/>/g)).toHaveLength(suites.length);
      const own = suites.find((s) => s.attrs.name === 'leakwatch')!;
      expect(own.cases.flatMap((c) => c.errors)).toEqual([
        {
          type: 'leakwatch.incomplete',
          message: `the run did not finish (${signal}): only the files that finished are in this report`,
        },
      ]);

      // Without leakwatch nothing touches the reports: the earlier run's stay, as they would.
      expect(fs.readFileSync(plain.jsonPath, 'utf8')).toBe(STALE_JSON);
    },
  );

  test.each(['vitest', 'jest30', 'jest29'] as const)(
    '%s, the same suite not interrupted: complete, both files',
    async (runner) => {
      const done = await run(runner, 'honest-interrupt');
      const report = done.report!;
      expect(done.code, done.output).toBe(1);
      expectSchemaValid(report);
      expect(summaryOf(report)).toMatchObject({ complete: true, fileErrors: 0, failing: 1 });
      expect(report.interrupted).toBeUndefined();
      expect(names(report)).toEqual(['a-leaks.test.js', 'b-waits.test.js']);
      expect(done.output).not.toContain('did not finish');
      expectJunitValid(done.junitPath);
      expectJunitMatchesReport(done);
      expect(fs.readFileSync(done.junitPath, 'utf8')).not.toContain('leakwatch.complete');
    },
  );
});

describe('a run the runner ends early', () => {
  test.each(['jest30', 'jest29'] as const)(
    '%s in band, process.exit(0) in a test: exit code 0 as Jest gives it, report incomplete',
    async (runner) => {
      const exited = await run(runner, 'honest-exit', ['--runInBand'], { HONEST_MODE: 'exit' });
      expect(exited.code, exited.output).toBe(0);
      const report = exited.report!;
      expectSchemaValid(report);
      expect(summaryOf(report)).toMatchObject({ complete: false, findings: 0, fileErrors: 0 });
      expect(report.interrupted).toBe("the runner's process exited with code 0 before the run ended");
      expect(filesOf(report)).toEqual(
        [
          { file: 'a-passes.test.js', tests: [expect.objectContaining({ titlePath: ['passes'], state: 'passed' })] },
        ].map((f) => expect.objectContaining(f)),
      );
      expect(exited.output).toMatch(
        /^leakwatch: the run did not finish \(the runner's process exited with code 0 before the run ended\): 1 test file finished; reports marked incomplete/m,
      );
      expectJunitValid(exited.junitPath);
      expectJunitMatchesReport(exited);
    },
  );

  test.each(['jest30', 'jest29'] as const)('%s --bail: report incomplete, 2 of 3 files', async (runner) => {
    const bailed = await run(runner, 'honest-exit', ['--runInBand', '--bail'], { HONEST_MODE: 'fail' });
    expect(bailed.code, bailed.output).toBe(1);
    const report = bailed.report!;
    expectSchemaValid(report);
    expect(summaryOf(report)).toMatchObject({ complete: false, findings: 0, fileErrors: 0 });
    expect(report.interrupted).toBe('the runner stopped early (bail): 2 of 3 test files ran');
    expect(names(report)).toEqual(['a-passes.test.js', 'b-ends.test.js']);
    expectJunitValid(bailed.junitPath);
    expectJunitMatchesReport(bailed);
  });

  test('vitest --bail: report incomplete, the last file never ran', async () => {
    const bailed = await run('vitest', 'honest-exit', ['--bail=1'], { HONEST_MODE: 'fail' });
    expect(bailed.code, bailed.output).toBe(1);
    const report = bailed.report!;
    expectSchemaValid(report);
    expect(summaryOf(report)).toMatchObject({ complete: false, findings: 0, fileErrors: 0 });
    expect(report.interrupted).toBe('the runner cancelled the run before every test file ran (bail)');
    const last = filesOf(report).find((f) => f.file === 'c-last.test.js');
    expect(last?.tests.filter((t) => t.state !== 'skipped') ?? []).toEqual([]);
    expectJunitValid(bailed.junitPath);
    expectJunitMatchesReport(bailed);
  });

  test.each([
    ['vitest', []],
    ['jest30', ['--runInBand']],
    ['jest29', ['--runInBand']],
  ] as const)('%s, the same suite to its end: exit 0, complete', async (runner, args) => {
    const done = await run(runner, 'honest-exit', [...args]);
    expect(done.code, done.output).toBe(0);
    expect(summaryOf(done.report!)).toMatchObject({ complete: true, files: 3, findings: 0, fileErrors: 0 });
    expect(done.report!.interrupted).toBeUndefined();
    expect(done.output).not.toContain('did not finish');
  });
});

describe('a test file whose worker is killed (SIGKILL)', () => {
  test.each(['vitest', 'jest30', 'jest29'] as const)(
    '%s: an error of that file in both reports, with the cause; the other file is fine',
    async (runner) => {
      const crashed = await run(runner, 'honest-crash');
      expect(crashed.code, crashed.output).toBe(1);
      const report = crashed.report!;
      expectSchemaValid(report);
      expectConsistentSummary(report);
      expect(summaryOf(report)).toMatchObject({ complete: true, fileErrors: 1, findings: 0 });
      const killed = filesOf(report).find((f) => f.file === 'killed.test.js')!;
      const fine = filesOf(report).find((f) => f.file === 'fine.test.js')!;
      expect(fine.error).toBeUndefined();
      expect(killed.error, JSON.stringify(killed)).toBeDefined();
      // What each runner says: Jest names the signal; Vitest 4 only that its worker exited, and has no result;
      // Vitest 5 adds the signal, the worker's state and the file's absolute path.
      const vitestSays =
        VITEST_MAJOR >= 5
          ? /^Vitest has no result for it \(state: pending\): \[vitest-pool\]: Worker forks emitted error: Worker exited unexpectedly with signal SIGKILL during \w+ state while running test file \/\S*\/honest-crash\/killed\.test\.js$/
          : /^Vitest has no result for it \(state: pending\): \[vitest-pool\]: Worker forks emitted error: Worker exited unexpectedly$/;
      expect(killed.error).toMatch(
        runner === 'vitest'
          ? vitestSays
          : /^A jest worker process \(pid=\d+\) was terminated by another process: signal=SIGKILL, exitCode=null\./,
      );
      // Not a file of skipped tests: the test Vitest has no result for is not listed as skipped.
      expect(killed.tests.filter((t) => t.state === 'skipped')).toEqual([]);
      expect(crashed.output).toContain(`leakwatch: killed.test.js did not finish: ${killed.error}\n`);
      // The totals say they are of the files that finished, not "no leaks found in 2 files".
      expect(crashed.output).toMatch(/ in 1 of 2 files \(1 did not finish: see below\), \d+ tests/);

      expectJunitValid(crashed.junitPath);
      expectJunitMatchesReport(crashed);
      const suites = parseJunit(crashed.junitPath);
      const suite = (name: string) => suites.find((s) => s.attrs.name === name)!;
      expect(suite('killed.test.js').attrs.errors).toBe('1');
      expect(suite('killed.test.js').cases.flatMap((c) => c.errors)).toEqual([
        { type: 'leakwatch.file-error', message: killed.error },
      ]);
      expect(suite('fine.test.js').attrs.errors).toBe('0');
      expect(suite('fine.test.js').cases.flatMap((c) => c.errors)).toEqual([]);
    },
  );
});

describe('a report that cannot be written', () => {
  let scratch: string;
  // Made when a test of this block runs, and removed with it (a filtered run never makes one).
  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-unwritable-'));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test.each(['vitest', 'jest30', 'jest29'] as const)(
    '%s: a path under a regular file fails the run, naming the path and the fix',
    async (runner) => {
      const blocker = path.join(scratch, `${runner}-blocker`);
      fs.writeFileSync(blocker, 'a regular file, where the reports folder should be\n');
      const [blocked, writable] = await Promise.all([
        run(runner, 'honest-exit', runner === 'vitest' ? [] : ['--runInBand'], { LEAKWATCH_REPORT_DIR: blocker }),
        run(runner, 'honest-exit', runner === 'vitest' ? [] : ['--runInBand'], {
          LEAKWATCH_REPORT_DIR: path.join(scratch, `${runner}-reports`),
        }),
      ]);
      expect(blocked.code, blocked.output).toBe(1);
      const lines = blocked.stderr.split('\n').filter((l) => l.startsWith('leakwatch: cannot write'));
      expect(lines).toEqual([
        `leakwatch: cannot write the JSON report to ${blocker}/leakwatch.json: ${blocker} is a file, not a folder. Fix: move that file away, or set outputFile.json (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
        `leakwatch: cannot write the JUnit report to ${blocker}/leakwatch-junit.xml: ${blocker} is a file, not a folder. Fix: move that file away, or set outputFile.junit (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
      ]);
      expect(fs.readFileSync(blocker, 'utf8')).toContain('a regular file');

      // The look-alike: the same clean run with a folder it can write: exit 0, both reports there.
      expect(writable.code, writable.output).toBe(0);
      expect(writable.output).not.toContain('cannot write');
      for (const name of ['leakwatch.json', 'leakwatch-junit.xml'])
        expect(fs.existsSync(path.join(scratch, `${runner}-reports`, name))).toBe(true);
    },
  );
});

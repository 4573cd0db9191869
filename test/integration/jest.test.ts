import fs from 'node:fs';
import path from 'node:path';
import { markerLine } from './helpers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, findingsOf, runJest, type JestMajor, type RunResult } from './run.js';

describe.each<JestMajor>(['jest30', 'jest29'])('%s', (jest) => {
  describe('withLeakwatch, parallel workers', () => {
    let run: RunResult;
    beforeAll(async () => {
      // --no-cache: without timings from an earlier run Jest never switches to run-in-band, where the deliberate leaks
      // would keep its main process alive (the hang that reaping, not detection, addresses).
      // --json: Jest's own results on stdout (its reporters and leakwatch's table go to stderr).
      run = await runJest('jest-kinds', ['--maxWorkers=2', '--no-cache', '--json'], {
        jest,
        env: (out) => ({ LEAKWATCH_FIXTURE_JEST_JUNIT: '1', JEST_JUNIT_OUTPUT_DIR: out }),
      });
    });
    afterAll(() => cleanup(run));

    test("Jest's own --json results show the leaks: the file fails with the LeakError, each leak with its site", () => {
      const results = JSON.parse(run.stdout) as {
        success: boolean;
        testResults: Array<{
          name: string;
          status: string;
          message: string;
          assertionResults: Array<{ status: string }>;
        }>;
      };
      const file = (name: string) => results.testResults.find((r) => r.name.endsWith(name))!;
      expect(results.success).toBe(false);
      // Judged after the file's afterAll hooks, the leaks fail the file, as Jest shows an afterAll error.
      const leaky = file('leaky.test.js');
      expect(leaky.status).toBe('failed');
      expect(leaky.message).toContain('LeakError: leakwatch found 6 leaks');
      expect(leaky.message).toMatch(
        /- timer at leaky\.test\.js:9:5: A timer created in test "leaks > interval" is still open/,
      );
      // A warning (the global, the listener) fails nothing; the clean file passes with an empty message.
      expect(leaky.message).not.toContain('leakedGlobal');
      expect(file('clean.test.js')).toMatchObject({ status: 'passed', message: '' });
    });

    test('jest-junit, a reporter of the user kept beside ours, shows the leaks as the failure of the file', () => {
      const xml = fs.readFileSync(path.join(run.outDir, 'junit.xml'), 'utf8');
      // jest-junit reports a file's afterAll error as a testcase of its own, with the error in its <failure>.
      const failures = [...xml.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*>\s*<failure>([^<]*)<\/failure>/g)];
      const leaky = failures.find(([, , body]) => body!.includes('leakwatch found 6 leaks'));
      expect(leaky?.[1]).toMatch(/Test execution failure/);
      expect(leaky?.[2]).toContain('- timer at leaky.test.js:9:5');
      // The tests themselves passed; the clean file has no failure at all.
      const cleanSuite = xml.split('<testsuite ').find((suite) => suite.includes('name=" socket closed"'));
      expect(cleanSuite).toBeDefined();
      expect(cleanSuite).not.toContain('<failure>');
      expect(failures.every(([, , body]) => /LeakError/.test(body!))).toBe(true);
    });

    test('every kind is found, attributed to its test and line, and the run fails', () => {
      expect(run.code, run.output).toBe(1);
      const byKind = (kind: string, line: number, test: string) => {
        const found = findingsOf(run.report, kind, test);
        expect(found, `${kind} in ${test}\n${run.output}`).toHaveLength(1);
        expect(found[0]!.site).toMatchObject({ file: 'leaky.test.js', line });
        expect(found[0]!.scope).toBe('file');
        expect(found[0]!.action).toBe('fail');
      };
      byKind('timer', 9, 'leaks > interval');
      byKind('server', 14, 'leaks > server after await');
      byKind('file-handle', 17, 'leaks > fd');
      byKind('worker', 20, 'leaks > worker');
      byKind('child-process', 23, 'leaks > child');
      byKind('sqlite', 26, 'leaks > sqlite');
      expect(findingsOf(run.report, 'global', 'leaks > global')).toMatchObject([
        { action: 'warn', scope: 'test', details: { name: 'leakedGlobal' } },
      ]);
      expect(findingsOf(run.report, 'listener', 'leaks > listener')).toMatchObject([
        { action: 'warn', scope: 'test', site: { file: 'leaky.test.js', line: 32 }, details: { event: 'SIGUSR2' } },
      ]);
    });

    test('the clean file has no findings and passes', () => {
      expect(run.report!.findings.filter((f) => f.file === 'clean.test.js')).toEqual([]);
      expect(run.output).toMatch(/PASS .*clean\.test\.js/);
      expect(run.output).toMatch(/FAIL .*leaky\.test\.js/);
    });

    test('the report lists every test of the run', () => {
      expect(run.report!.runner).toBe('jest');
      // The version of the Jest that ran, not the project's resolvable `jest`.
      expect(run.report!.runnerVersion).toMatch(jest === 'jest29' ? /^29\./ : /^30\./);
      expect(run.report!.summary).toMatchObject({ files: 3, tests: 12 });
    });

    test('test.concurrent: each body runs in its own scope, so its resources are its own', () => {
      const timers = run.report!.findings.filter((f) => f.file === 'concurrent.test.js');
      expect(timers).toMatchObject([{ kind: 'timer', test: ['concurrent', 'a leaks an interval'], site: { line: 3 } }]);
      expect(timers[0]!.details?.concurrent).toBeUndefined();
      expect(timers[0]!.message).toContain('in test "concurrent > a leaks an interval"');
    });
  });

  describe('setupFilesAfterEnv only, hooks of the test file run first', () => {
    let run: RunResult;
    beforeAll(async () => {
      run = await runJest('jest-setup-only', ['--maxWorkers=2', '--no-cache'], { jest });
    });
    afterAll(() => cleanup(run));

    test('judges after the root afterEach/afterAll of the test file: only the real leaks', () => {
      expect(run.code, run.output).toBe(1);
      expect(run.output).toContain('a.test.js:15:37');
      expect(run.output).toContain('b.test.js:9:3');
      expect(run.output).not.toContain('a.test.js:11');
      expect(run.output).not.toContain('b.test.js:6');
      expect(run.output.match(/LeakError/g)).toHaveLength(2);
    });

    test('says it is on, once per worker, since no reporter sums the run up', () => {
      const notices = run.output.split('\n').filter((line) => line.startsWith('leakwatch is on (setup file only)'));
      expect(notices.length).toBeGreaterThanOrEqual(1);
      expect(notices.length).toBeLessThanOrEqual(2);
    });

    test('what a test file makes at module scope, before the options are loaded, is still its leak', async () => {
      const scoped = await runJest('jest-setup-only-module', ['--maxWorkers=2', '--no-cache'], { jest });
      try {
        expect(scoped.code, scoped.output).toBe(1);
        const line = markerLine('jest-setup-only-module', 'module.test.js', 'module-interval');
        expect(scoped.output).toContain(`module.test.js:${line}:`);
        expect(scoped.output.match(/LeakError/g)).toHaveLength(1);
        expect(scoped.output).not.toContain('clean.test.js:');
      } finally {
        cleanup(scoped);
      }
    });

    test('a wrong leakwatch.config.cjs fails each file once, before its tests, naming the key and the fix', async () => {
      const bad = await runJest('jest-setup-only-bad-config', ['--maxWorkers=2', '--no-cache'], { jest });
      try {
        expect(bad.code, bad.output).toBe(1);
        const errors = bad.output.match(
          /leakwatch: invalid value for "kinds\.timer": expected one of 'fail', 'warn', 'off', got 'error' in leakwatch\.config\.cjs\. Fix: /g,
        );
        expect(errors, bad.output).toHaveLength(2);
        expect(bad.output.match(/Test suite failed to run/g), bad.output).toHaveLength(2);
        expect(bad.output).toMatch(/Tests:\s+0 total/);
      } finally {
        cleanup(bad);
      }
    });

    test('a bad LEAKWATCH value fails each file once, before its tests, with the fix', async () => {
      const bad = await runJest('jest-setup-only', ['--maxWorkers=2', '--no-cache'], {
        jest,
        env: { LEAKWATCH: 'bogus' },
      });
      try {
        expect(bad.code, bad.output).toBe(1);
        const errors = bad.output.match(
          /leakwatch: invalid LEAKWATCH="bogus" in the environment\. Fix: use off, warn or fail, or unset it\./g,
        );
        expect(errors, bad.output).toHaveLength(2);
        // Before any test of either file ran.
        expect(bad.output.match(/Test suite failed to run/g), bad.output).toHaveLength(2);
        expect(bad.output).toMatch(/Tests:\s+0 total/);
      } finally {
        cleanup(bad);
      }
    });
  });
});

describe.each<JestMajor>(['jest30', 'jest29'])(
  '%s: a file whose environment docblock replaces the leakwatch environment',
  (jest) => {
    let run: RunResult;
    beforeAll(async () => {
      run = await runJest('jest-docblock', ['--maxWorkers=2', '--no-cache'], { jest });
    });
    afterAll(() => cleanup(run));

    test('is judged by the setup-file fallback, and no file is judged twice', () => {
      expect(run.code, run.output).toBe(1);
      const where = run.report!.findings.map((f) => [f.kind, f.file, f.test?.join(' > '), f.site?.line]);
      expect(where.sort()).toEqual([
        ['timer', 'docblock.test.js', 'leaks under a docblock environment', 6],
        ['timer', 'normal.test.js', 'leaks under the leakwatch environment', 3],
      ]);
    });
  },
);

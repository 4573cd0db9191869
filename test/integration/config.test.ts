import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, findingsOf, runVitest, type RunResult } from './run.js';

describe('leakwatch.config.ts merged with the plugin call', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest('config-file');
  });
  afterAll(() => cleanup(run));

  test('timer is a warning, watcher is off, one global is allowed: the run passes', () => {
    expect(run.code, run.output).toBe(0);
    expect(run.report?.policy).toMatchObject({
      settleMs: 50,
      kinds: { timer: { action: 'warn' }, 'fs-watcher': { action: 'off' } },
    });
    const timers = findingsOf(run.report, 'timer');
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatchObject({ action: 'warn', scope: 'file', site: { file: 'policy.test.ts', line: 6 } });
    expect(findingsOf(run.report, 'fs-watcher')).toEqual([]);
    expect(findingsOf(run.report, 'global')).toEqual([]);
    expect(run.report?.summary).toMatchObject({ failing: 0, warning: 1 });
  });
});

describe('an invalid config file', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest('bad-config');
  });
  afterAll(() => cleanup(run));

  test('stops the run before any test with an error naming the key, the file and the fix', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('unknown option "kinds.timers" in leakwatch.config.json');
    expect(run.output).toMatch(/Fix: use \{ <kind>: 'fail' \| 'warn' \| 'off'/);
    expect(run.output).not.toContain('TEST BODY RAN');
  });
});

describe('setup file only, options from leakwatch.config.mjs', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest('setup-only');
  });
  afterAll(() => cleanup(run));

  test('fails the run and prints each file block from the worker', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/leakwatch a\.test\.ts/);
    expect(run.output).toMatch(/leakwatch b\.test\.ts/);
    expect(run.output).toContain('a.test.ts:6:');
    expect(run.output).toContain('b.test.ts:4:3');
    expect(run.output).toContain('LeakError');
  });

  test('also with files sharing one worker (isolate off)', async () => {
    const shared = await runVitest('setup-only', ['--no-isolate', '--maxWorkers=1', '--pool=threads']);
    try {
      expect(shared.code, shared.output).toBe(1);
      expect(shared.output).toContain('a.test.ts:6:');
      expect(shared.output).toContain('b.test.ts:4:3');
    } finally {
      cleanup(shared);
    }
  });
});

describe('a report that cannot be written', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest('internal-error');
  });
  afterAll(() => cleanup(run));

  test('names the path and the fix, the other report is still written, and the run fails: a CI job asked for it', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.stderr).toMatch(
      /leakwatch: cannot write the JSON report to .*blocked\.json: that path is a folder\. Fix: remove that folder, or set outputFile\.json/,
    );
    expect(run.stderr).not.toContain('internal error');
    expect(fs.existsSync(run.junitPath)).toBe(true);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, expect, test, vi } from 'vitest';
import { applyEnvironment, buildReport, isCI, resolveOptions, type Finding } from '@leakwatch/core/adapter';
import { publishToGitHub } from '../../packages/core/src/report/github';
import { joinRun } from '../../packages/core/src/run-channel';

/**
 * Every function that reads the environment takes it as an argument: what the caller's shell holds (a CI job, a
 * LEAKWATCH=off left exported) must not change what these functions return for the env they are given.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-env-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const summary = path.join(dir, 'summary.md');
const HOSTILE: Record<string, string> = {
  CI: 'true',
  LEAKWATCH: 'off',
  LEAKWATCH_REPORT_DIR: path.join(dir, 'reports'),
  // A run channel this very process would join, were it read from process.env.
  LEAKWATCH_RUN: JSON.stringify({
    pid: process.pid,
    root: '/x',
    options: resolveOptions([{ settleMs: 1 }], {}),
    dir: '/nonexistent',
  }),
  GITHUB_ACTIONS: 'true',
  GITHUB_STEP_SUMMARY: summary,
};

const finding: Finding = {
  id: 'abc',
  kind: 'timer',
  scope: 'file',
  action: 'fail',
  file: 'a.test.ts',
  test: ['t'],
  site: { file: 'a.test.ts', line: 3, column: 5 },
  message: 'A timer leaked',
  count: 1,
};

/** Everything the env-reading functions return, for two explicit envs: none, and one that sets each variable. */
function results() {
  const given = { LEAKWATCH: 'warn', CI: '1', LEAKWATCH_REPORT_DIR: '/given' };
  const layers = [{ kinds: { timer: 'warn' as const } }, { kinds: { timer: { allow: 1 } } }];
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const report = buildReport({
    runner: 'vitest',
    runnerVersion: '4.1.12',
    startedAt: new Date(0),
    durationMs: 1,
    options: resolveOptions([], {}),
    files: [],
    findings: [finding],
    errors: [],
  });
  publishToGitHub(report, stream, {});
  return {
    isCI: [isCI({}), isCI(given), isCI({ CI: 'false' })],
    resolved: [resolveOptions(layers, {}), resolveOptions(layers, given)] as const,
    applied: applyEnvironment(resolveOptions(layers, {}), {}),
    joined: [joinRun({}), joinRun({ LEAKWATCH_RUN: '{"pid":7,"root":"/r"}' }, { pid: 7, ppid: 1 })],
    github: written,
    summaryWritten: fs.existsSync(summary),
  };
}

test('a hostile caller environment changes nothing', () => {
  for (const name of Object.keys(HOSTILE)) vi.stubEnv(name, undefined);
  const calm = results();
  for (const [name, value] of Object.entries(HOSTILE)) vi.stubEnv(name, value);
  expect(process.env.CI).toBe('true');
  expect(results()).toEqual(calm);

  // And the results are the ones the explicit envs ask for, not a vacuous equality.
  expect(calm.isCI).toEqual([false, true, false]);
  expect(calm.resolved[0].kinds.timer).toEqual({ action: 'warn', allow: 1 });
  expect(calm.resolved[0].reap).toBe(false);
  expect(calm.resolved[0].outputFile).toEqual({});
  expect(calm.resolved[1].reap).toBe(true);
  expect(calm.resolved[1].kinds.socket.action).toBe('warn');
  expect(calm.resolved[1].outputFile).toEqual({ json: '/given/leakwatch.json', junit: '/given/leakwatch-junit.xml' });
  expect(calm.joined).toEqual([undefined, { pid: 7, root: '/r' }]);
  expect(calm.github).toEqual([]);
  expect(calm.summaryWritten).toBe(false);
});

test('publishToGitHub acts on the env it is given', () => {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  const report = buildReport({
    runner: 'vitest',
    runnerVersion: '4.1.12',
    startedAt: new Date(0),
    durationMs: 1,
    options: resolveOptions([], {}),
    files: [],
    findings: [finding],
    errors: [],
  });
  const own = path.join(dir, 'own-summary.md');
  publishToGitHub(report, stream, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: own });
  expect(written.join('')).toMatch(/^::error file=a\.test\.ts,line=3/);
  expect(fs.readFileSync(own, 'utf8')).toContain('### leakwatch: 1 failing');
});

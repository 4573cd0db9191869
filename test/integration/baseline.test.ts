import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { writeBaseline, type Finding as CoreFinding } from '@leakwatch/core';
import { expectJunitValid } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-baseline-'));
const baselineFile = path.join(dir, 'leakwatch-baseline.json');
let first: RunResult;
let second: RunResult;
let corrupt: RunResult;
let jestFirst: RunResult;
let jestSecond: RunResult;

beforeAll(async () => {
  first = await runVitest('baseline', [], { env: { FIXTURE_BASELINE: path.join(dir, 'none.json') } });
  const known = first.report!.findings.filter((f) => f.test?.[0] === 'an old leak the team has accepted for now');
  // The accepted leak, plus one entry for a leak that has since been fixed.
  const fixed = {
    ...known[0]!,
    id: 'fixedfixed01',
    test: ['a test that no longer leaks'],
    site: { file: 'known.test.ts', line: 99, column: 1 },
  };
  writeBaseline(baselineFile, [...known, fixed] as CoreFinding[]);
  fs.writeFileSync(path.join(dir, 'corrupt.json'), '{ "version": 1, "entries": [ { "id": ');
  [second, corrupt, jestFirst] = await Promise.all([
    runVitest('baseline', [], { env: { FIXTURE_BASELINE: baselineFile } }),
    runVitest('baseline', [], { env: { FIXTURE_BASELINE: path.join(dir, 'corrupt.json') } }),
    runJest('jest-baseline', ['--no-cache'], { env: { FIXTURE_BASELINE: path.join(dir, 'none.json') } }),
  ]);
  const jestBaseline = path.join(dir, 'jest-baseline.json');
  writeBaseline(
    jestBaseline,
    jestFirst.report!.findings.filter(
      (f) => f.test?.[0] === 'an old leak the team has accepted for now',
    ) as CoreFinding[],
  );
  jestSecond = await runJest('jest-baseline', ['--no-cache'], { env: { FIXTURE_BASELINE: jestBaseline } });
});
afterAll(() => {
  [first, second, corrupt, jestFirst, jestSecond].forEach(cleanup);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('without a baseline both leaks fail', () => {
  expect(first.code).toBe(1);
  expect(first.report!.summary).toMatchObject({ failing: 2, baselined: 0 });
});

test('with it, the known leak is reported as baselined and only the new one fails', () => {
  expect(second.code, second.output).toBe(1);
  expect(second.report!.summary).toMatchObject({ findings: 2, failing: 1, baselined: 1 });
  const known = second.report!.findings.find((f) => f.test?.[0] === 'an old leak the team has accepted for now');
  expect(known).toMatchObject({ action: 'fail', baselined: true });
  expect(second.output).toContain('KNOWN');
  expect(second.output).not.toMatch(/LeakError[^\n]*\n(?:[^\n]*\n)*?- timer at known\.test\.ts:4:/);
  expectJunitValid(second.junitPath);
});

test('entries that no longer occur are listed so the file can be pruned', () => {
  expect((second.report as { baseline?: { stale: Array<{ id: string }> } }).baseline?.stale.map((e) => e.id)).toEqual([
    'fixedfixed01',
  ]);
  expect(second.output).toContain('leakwatch baseline --prune');
});

test('a corrupt baseline stops the run before any test, naming the file', () => {
  expect(corrupt.code).toBe(1);
  expect(corrupt.output).toContain('corrupt.json');
  expect(corrupt.report).toBeUndefined();
});

test('Jest: the same baseline semantics', () => {
  expect(jestFirst.report!.summary).toMatchObject({ failing: 2, baselined: 0 });
  expect(jestSecond.code, jestSecond.output).toBe(1);
  expect(jestSecond.report!.summary).toMatchObject({ findings: 2, failing: 1, baselined: 1 });
  expect(jestSecond.report!.findings.find((f) => f.test?.[0] === 'a new leak')).toMatchObject({ action: 'fail' });
});

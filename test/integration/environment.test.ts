import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runVitest, type RunResult } from './run.js';

describe('LEAKWATCH, LEAKWATCH_REPORT_DIR and GitHub Actions', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-env-'));
  const summary = path.join(dir, 'summary.md');
  let warn: RunResult;
  let off: RunResult;
  let bad: RunResult;
  let jestWarn: RunResult;
  beforeAll(async () => {
    [warn, off, bad, jestWarn] = await Promise.all([
      runVitest('kinds', [], {
        env: {
          LEAKWATCH: 'warn',
          LEAKWATCH_REPORT_DIR: path.join(dir, 'reports'),
          GITHUB_ACTIONS: 'true',
          GITHUB_STEP_SUMMARY: summary,
        },
      }),
      runVitest('kinds', [], { env: { LEAKWATCH: 'off' } }),
      runVitest('kinds', [], { env: { LEAKWATCH: 'strict' } }),
      runJest('jest-kinds', ['--maxWorkers=2', '--no-cache'], { env: { LEAKWATCH: 'warn' } }),
    ]);
  });
  afterAll(() => {
    for (const r of [warn, off, bad, jestWarn]) cleanup(r);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('LEAKWATCH=warn: the same leaks, all warnings, and the run passes (Vitest and Jest)', () => {
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'leakwatch.json'), 'utf8'));
    expect(warn.code, warn.output).toBe(0);
    expect(report.findings.length).toBeGreaterThan(5);
    expect(report.findings.every((f: { action: string }) => f.action === 'warn')).toBe(true);
    expect(jestWarn.code, jestWarn.output).toBe(0);
    expect(jestWarn.report!.summary).toMatchObject({ failing: 0 });
    expect(jestWarn.report!.summary.warning).toBeGreaterThan(5);
  });

  test('LEAKWATCH_REPORT_DIR puts both reports there, under their configured names', () => {
    expect(fs.existsSync(path.join(dir, 'reports', 'leakwatch.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'reports', 'leakwatch-junit.xml'))).toBe(true);
    expect(fs.existsSync(warn.jsonPath)).toBe(false);
  });

  test('on GitHub Actions: one annotation per finding at its line, and a step summary', () => {
    expect(warn.stdout).toMatch(
      /^::warning file=leaky\.test\.ts,line=10,col=5,title=leakwatch%3A timer::A timer created in test/m,
    );
    expect(fs.readFileSync(summary, 'utf8')).toContain('### leakwatch: 0 failing,');
  });

  test('LEAKWATCH=off: nothing is reported and leaks do not fail the run', () => {
    expect(off.code, off.output).toBe(0);
    expect(off.report!.findings).toEqual([]);
  });

  test('an invalid LEAKWATCH stops the run with an error naming the variable', () => {
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('invalid LEAKWATCH="strict"');
  });
});

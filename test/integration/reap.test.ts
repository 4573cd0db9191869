import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, findingsOf, runJest, runVitest, type RunResult } from './run.js';

function alive(pid: unknown): boolean {
  try {
    process.kill(pid as number, 0);
    return true;
  } catch {
    return false;
  }
}

function childPid(run: RunResult): number {
  const [child] = findingsOf(run.report, 'child-process');
  expect(child, run.output).toBeDefined();
  return child!.details!.pid as number;
}

// Files that share a process are where a leak hangs the run: Jest in band, Vitest without isolation.
const SHARED_PROCESS = {
  'jest --runInBand': (env: Record<string, string>) =>
    runJest('reap', ['--runInBand', '--no-cache'], { env, timeoutMs: 20_000 }),
  'vitest --no-isolate': (env: Record<string, string>) =>
    runVitest('reap', ['--no-isolate', '--maxWorkers=1', '--pool=forks', '--teardownTimeout=3000'], {
      env,
      timeoutMs: 20_000,
    }),
};

describe.each(Object.entries(SHARED_PROCESS))('%s', (name, run) => {
  let reaped: RunResult;
  let kept: RunResult;
  beforeAll(async () => {
    [reaped, kept] = await Promise.all([run({ CI: 'true' }), run({ CI: '' })]);
  });
  afterAll(() => {
    // Whatever the run without reaping left behind is ours to stop.
    for (const r of [reaped, kept]) {
      const pid = findingsOf(r?.report, 'child-process')[0]?.details?.pid;
      if (pid && alive(pid)) process.kill(pid as number, 'SIGKILL');
      cleanup(r);
    }
  });

  test('with reap (on when CI is set) the leaks are reported and the run ends promptly', () => {
    expect(reaped.code, reaped.output).toBe(1);
    expect(reaped.durationMs).toBeLessThan(15_000);
    expect(findingsOf(reaped.report, 'timer')).toHaveLength(1);
    expect(findingsOf(reaped.report, 'server')).toHaveLength(1);
    // A worker stuck in a busy loop is terminated too: terminate() stops JavaScript even in a loop.
    expect(findingsOf(reaped.report, 'worker')).toHaveLength(1);
    expect(reaped.report!.findings.filter((f) => f.file === 'later.test.js')).toEqual([]);
    expect(reaped.report!.errors).toEqual([]);
  });

  test.runIf(name.startsWith('jest'))('without reap, Jest in band never exits (stopped here by our own bound)', () => {
    expect(kept.code, kept.output).toBeNull();
    expect(kept.output).toContain('Jest did not exit');
  });

  test('the child that ignores SIGTERM was killed', () => {
    expect(alive(childPid(reaped))).toBe(false);
  });

  test('without reap the same leaks are reported and the stubborn child is left running', () => {
    expect(findingsOf(kept.report, 'timer'), kept.output).toHaveLength(1);
    expect(findingsOf(kept.report, 'server')).toHaveLength(1);
    expect(alive(childPid(kept))).toBe(true);
  });
});

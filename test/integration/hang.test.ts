import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run.js';

// A globalSetup that leaves a server open keeps the runner's main process alive after the run: the hang users meet
// as "Jest did not exit one second after the test run has completed" or Vitest's "close timed out".
describe('a globalSetup that leaks a server', () => {
  let jestWith: RunResult;
  let jestPlain: RunResult;
  let vitestWith: RunResult;
  let vitestPlain: RunResult;
  beforeAll(async () => {
    [jestWith, jestPlain, vitestWith, vitestPlain] = await Promise.all([
      runJest('hang', ['--no-cache'], { timeoutMs: 30_000 }),
      runJest('hang', ['--no-cache'], { env: { FIXTURE_PLAIN: '1' }, timeoutMs: 12_000 }),
      runVitest('hang', [], { timeoutMs: 30_000 }),
      runVitest('hang', [], { env: { FIXTURE_PLAIN: '1' }, timeoutMs: 30_000 }),
    ]);
  });
  afterAll(() => [jestWith, jestPlain, vitestWith, vitestPlain].forEach(cleanup));

  test('without leakwatch, Jest never exits (stopped by our own bound) and Vitest waits out its teardownTimeout', () => {
    expect(jestPlain.code).toBeNull();
    expect(jestPlain.output).toContain('Jest did not exit');
    expect(vitestPlain.output).toContain('close timed out');
    expect(vitestPlain.durationMs).toBeGreaterThan(5_000);
  });

  test('with leakwatch (reap on in CI), Jest says what keeps it alive, with the line, and exits promptly', () => {
    expect(jestWith.code, jestWith.output).toBe(1);
    expect(jestWith.durationMs).toBeLessThan(20_000);
    expect(jestWith.output).toContain('the test run has finished, but this keeps the process alive');
    expect(jestWith.report!.findings).toMatchObject([
      { kind: 'server', scope: 'file', test: null, file: 'global-setup.cjs', site: { file: 'global-setup.cjs', line: markerLine('hang', 'global-setup.cjs', 'global-server') } },
    ]);
    expect(jestWith.report!.summary).toMatchObject({ failing: 1 });
  });

  test('with leakwatch, Vitest reports the globalSetup server in its module and exits before its teardownTimeout', () => {
    expect(vitestWith.code, vitestWith.output).toBe(1);
    expect(vitestWith.output).not.toContain('close timed out');
    expect(vitestWith.durationMs).toBeLessThan(vitestPlain.durationMs);
    // The module is right; Vite's transformed code in Vitest's main process is not source-mapped, so the line is not
    // asserted (known: it can be one off).
    expect(vitestWith.report!.findings).toMatchObject([{ kind: 'server', test: null, file: 'vitest-global-setup.ts', site: { file: 'vitest-global-setup.ts' } }]);
  });

  test('the clean test file itself has no findings', () => {
    for (const run of [jestWith, vitestWith]) expect(run.report!.findings.filter((f) => f.file === 'clean.test.js')).toEqual([]);
  });
});

import { afterAll, beforeAll, expect, test } from 'vitest';
import { cleanup, findingsOf, runVitest, type RunResult } from './run';
import { expectSchemaValid, markerLine } from './helpers';

/** User hooks that throw must not blind leakwatch: the `hook-errors` fixture has an afterEach and an afterAll that do. */
let run: RunResult;
beforeAll(async () => {
  run = await runVitest('hook-errors');
});
afterAll(() => cleanup(run));

test('the run fails and still writes a valid report', () => {
  expect(run.code, run.output).toBe(1);
  expectSchemaValid(run.report);
  expect(run.report!.errors).toEqual([]);
});

test('a failed afterEach does not break attribution of the next test', () => {
  const timers = findingsOf(run.report, 'timer').filter((f) => f.file === 'after-each.test.ts');
  expect(timers).toHaveLength(1);
  expect(timers[0]).toMatchObject({
    test: ['after-each', 'leaks after a failed afterEach'],
    site: {
      file: 'after-each.test.ts',
      line: markerLine('hook-errors', 'after-each.test.ts', 'after-failed-afterEach'),
    },
    action: 'fail',
  });
  expect(timers[0]!.details?.concurrent).toBeUndefined();
});

// Vitest stops at the first afterAll hook that throws or times out; leakwatch keeps the file's own afterAll errors,
// judges the file, then rethrows them with its own.
test("a failed afterAll does not hide the file's leaks", () => {
  const timers = findingsOf(run.report, 'timer').filter((f) => f.file === 'after-all.test.ts');
  expect(timers).toHaveLength(1);
  expect(timers[0]).toMatchObject({
    test: ['leaks a timer'],
    site: { file: 'after-all.test.ts', line: markerLine('hook-errors', 'after-all.test.ts', 'before-failed-afterAll') },
  });
});

test("the afterAll hook's own error is still reported by Vitest, next to the leak", () => {
  expect(run.output).toContain('deliberate afterAll failure');
  expect(run.output).toContain('LeakError');
  expect(run.output).toMatch(/FAIL .*after-all\.test\.ts/);
});

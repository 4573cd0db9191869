import { afterAll, beforeAll, expect, test } from 'vitest';
import { cleanup, findingsOf, runVitest, type RunResult } from './run.js';

let run: RunResult;
beforeAll(async () => {
  run = await runVitest('stub-globals');
});
afterAll(() => cleanup(run));

test('a global restored by Vitest (unstubGlobals) is not a leak; a plain one left behind is', () => {
  const globals = findingsOf(run.report, 'global');
  expect(globals.map((f) => f.details?.name)).toEqual(['leftBehind']);
  expect(globals[0]).toMatchObject({ scope: 'test', action: 'fail', test: ['leaves a plain global behind'] });
});

test('with global set to fail, the file fails once for it', () => {
  expect(run.code, run.output).toBe(1);
  expect(run.output.match(/LeakError/g)?.length).toBe(1);
});

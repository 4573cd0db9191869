import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, runJest, runMocha, runVitest, type RunResult } from './run';
import { RUNNERS as SHARED, expectAllTestsPassed, reportOf, type Runner } from './three-runners';

/**
 * A probe whose kinds are all 'off' is not installed: the timer kind off leaves the timer functions unwrapped, and the
 * other probes work as usual. The look-alike with the timer kind on has the same one finding.
 */
const RUNS: Record<Runner, (env: Record<string, string>) => Promise<RunResult>> = {
  vitest: (env) => runVitest('kinds-off', ['--pool=forks'], { env }),
  jest30: (env) => runJest('kinds-off', ['--maxWorkers=2', '--no-cache'], { jest: 'jest30', env }),
  jest29: (env) => runJest('kinds-off', ['--maxWorkers=2', '--no-cache'], { jest: 'jest29', env }),
  mocha: (env) => runMocha('kinds-off', ['--parallel', '--jobs=2'], { env }),
  'node-test': (env) => SHARED['node-test']('kinds-off', { env }),
};

describe.each(Object.keys(RUNS) as Runner[])('kinds off under %s', (runner) => {
  let off: RunResult;
  let on: RunResult;
  beforeAll(async () => {
    [off, on] = await Promise.all([RUNS[runner]({ FIXTURE_TIMER: 'off' }), RUNS[runner]({ FIXTURE_TIMER: 'fail' })]);
  });
  afterAll(() => [off, on].forEach(cleanup));

  const findings = (run: RunResult) =>
    reportOf(run).findings.map((f) => `${f.kind} ${f.file}:${f.site?.line} ${f.test?.join(' > ')}`);
  const server = () =>
    `server probes.test.js:${markerLine('kinds-off', 'probes.test.js', 'server')} the other probes are installed as usual`;

  test("timer 'off': the timer functions are not wrapped; the server is still found", () => {
    expect(off.code, off.output).toBe(1);
    expectAllTestsPassed(runner, off.output, 4);
    expect(findings(off)).toEqual([server()]);
  });

  test('timer on: the timer functions are wrapped, and the same one finding', () => {
    expect(on.code, on.output).toBe(1);
    expectAllTestsPassed(runner, on.output, 4);
    expect(findings(on)).toEqual([server()]);
  });
});

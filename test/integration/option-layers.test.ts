import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run';

/**
 * The config file and the runner config's inline options write the timer policy in different forms (fixtures/
 * option-layers): the merged policy, not the inline layer alone, must reach the judge. Both orders: the shorthand
 * in the config file under an object inline, and the object in the config file under a shorthand inline.
 */
const FIXTURE = 'option-layers';
const LAYERS = {
  // leakwatch.config.cjs timer: 'warn' + inline { allow: 1 } => { action: 'warn', allow: 1 }
  shorthandUnderObject: { FIXTURE_LAYERS: 'forward', action: 'warn', code: 0 },
  // leakwatch.config.cjs { action: 'warn', allow: 1 } + inline 'fail' => { action: 'fail', allow: 1 }
  objectUnderShorthand: { FIXTURE_LAYERS: 'reverse', action: 'fail', code: 1 },
} as const;
type Layers = keyof typeof LAYERS;

const RUNNERS = {
  vitest: (fixture: string, env: Record<string, string>) => runVitest(fixture, ['--pool=forks'], { env }),
  // --no-cache and a per-run cacheDirectory: no timings from an earlier run, so Jest keeps its workers.
  jest30: (fixture: string, env: Record<string, string>) =>
    runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest30' }),
  jest29: (fixture: string, env: Record<string, string>) =>
    runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest29' }),
};
type Runner = keyof typeof RUNNERS;

const runs: Partial<Record<`${Runner} ${Layers}`, RunResult>> = {};
const cases = (Object.keys(RUNNERS) as Runner[]).flatMap((runner) =>
  (Object.keys(LAYERS) as Layers[]).map((layers) => [runner, layers] as const),
);

beforeAll(async () => {
  await Promise.all(
    cases.map(async ([runner, layers]) => {
      runs[`${runner} ${layers}`] = await RUNNERS[runner](FIXTURE, { FIXTURE_LAYERS: LAYERS[layers].FIXTURE_LAYERS });
    }),
  );
}, 180_000);

afterAll(() => {
  for (const run of Object.values(runs)) cleanup(run);
});

describe.each(cases)('%s, %s', (runner, layers) => {
  const { action, code } = LAYERS[layers];

  test(`both layers reach the judge: allow 1 from one, action ${action} from the other`, () => {
    const run = runs[`${runner} ${layers}`]!;
    expect(run.report, `no JSON report; the runner said:\n${run.output}`).toBeDefined();
    // Only the file over its allowance reports, both of its timers, with the merged action: one.test.js (one timer,
    // within allow: 1) and clean.test.js (the same timers, cleared) report nothing.
    const found = run.report!.findings.map((f) => ({
      kind: f.kind,
      action: f.action,
      file: f.file,
      test: f.test,
      line: f.site?.line,
    }));
    expect(found).toEqual(
      expect.arrayContaining([
        {
          kind: 'timer',
          action,
          file: 'two.test.js',
          test: ['leaves a first interval'],
          line: markerLine(FIXTURE, 'two.test.js', 'first'),
        },
        {
          kind: 'timer',
          action,
          file: 'two.test.js',
          test: ['leaves a second interval'],
          line: markerLine(FIXTURE, 'two.test.js', 'second'),
        },
      ]),
    );
    expect(found).toHaveLength(2);
    expect(run.report!.summary).toMatchObject({
      files: 3,
      findings: 2,
      failing: action === 'fail' ? 2 : 0,
      warning: action === 'warn' ? 2 : 0,
    });
    // Warnings never change the exit code; a failing leak fails the run.
    expect(run.code, run.output).toBe(code);
  });
});

describe.each(Object.keys(RUNNERS) as Runner[])('%s, threshold on a kind that has none', (runner) => {
  let run: RunResult;
  beforeAll(async () => {
    run = await RUNNERS[runner]('option-threshold', {});
  }, 90_000);
  afterAll(() => cleanup(run));

  test('stops the run before any test, naming the key, what the kind accepts and the fix', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      `leakwatch: "kinds.socket.threshold" has no meaning for socket in leakwatch.config.json: threshold is the heap growth in bytes per test, after a forced GC, accepted only by heap. Fix: remove it; kinds.socket accepts 'fail' | 'warn' | 'off' or { action, allow }.`,
    );
    expect(run.output).not.toContain('TEST BODY RAN');
  });
});

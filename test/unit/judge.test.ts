import { describe, expect, test } from 'vitest';
import type { BaselineEntry } from '../../packages/core/src/baseline.js';
import { judge, type JudgeInput, type Measurement, type OpenResource } from '../../packages/core/src/judge.js';
import { resolveOptions, type LeakwatchOptions } from '../../packages/core/src/options.js';

const FILE = 'test/api.test.ts';

function timer(
  line: number,
  test: string[] | null = ['suite', 'polls'],
  extra: Partial<OpenResource> = {},
): OpenResource {
  return {
    kind: 'timer',
    test,
    concurrent: false,
    site: { file: FILE, line, column: 5 },
    stack: [`poll (${FILE}:${line}:5)`],
    details: { delayMs: 1000 },
    ...extra,
  };
}

function listener(name: string, test: string[] = ['suite', 'listens']): Measurement {
  return { kind: 'listener', test, name, site: { file: FILE, line: 3, column: 1 }, details: { event: name } };
}

function run(input: Partial<JudgeInput>, options: LeakwatchOptions = {}) {
  return judge({ file: FILE, when: 'file', policy: resolveOptions([options], {}), ...input });
}

describe('judge', () => {
  test('groups resources by kind, test and site, and says where and how to fix them', () => {
    const { findings } = run({ resources: [timer(10), timer(10), timer(12), timer(10, null)] });
    expect(findings.map((f) => [f.site?.line, f.test, f.count, f.action])).toEqual(
      expect.arrayContaining([
        [10, ['suite', 'polls'], 2, 'fail'],
        [10, null, 1, 'fail'],
        [12, ['suite', 'polls'], 1, 'fail'],
      ]),
    );
    expect(findings).toHaveLength(3);
    const inTest = findings.find((f) => f.count === 2)!;
    const outside = findings.find((f) => f.test === null)!;
    expect(inTest.message).toBe(
      '2 timers created in test "suite > polls" are still open after the file\'s afterAll hooks (delayMs: 1000). Fix: clear it with clearTimeout()/clearInterval() in the test or an afterEach hook, or unref() it if it must outlive the test.',
    );
    expect(outside.message).toContain('outside any test (hook, describe body or module scope) is still open');
  });

  test("a strict-scope judgement makes test-scoped findings, a run's end says it keeps the process alive", () => {
    expect(run({ when: 'test', resources: [timer(10)] }).findings[0]).toMatchObject({ scope: 'test' });
    expect(run({ when: 'run', resources: [timer(10)] }).findings[0]!.message).toContain(
      'still open after the test run finished, and keeps the process alive',
    );
  });

  test('a resource made while concurrent tests ran is the file’s, and says so', () => {
    const [f] = run({ resources: [timer(10, ['a'], { concurrent: true })] }).findings;
    expect(f).toMatchObject({ test: null, details: { concurrent: true } });
    expect(f!.message).toContain('while concurrent tests were running');
  });

  test("a driver's hint comes from the hints table, a track() hint is used as written", () => {
    const pool = { ...timer(10), kind: 'db-connection' as const, hint: 'pg.Pool' };
    const custom = { ...timer(11), kind: 'other' as const, hint: 'call sdk.shutdown()' };
    const [a, b] = run({ resources: [pool, custom] }).findings;
    expect(a!.message).toMatch(/Fix: await pool\.end\(\) in afterAll\.$/);
    expect(b!.message).toMatch(/Fix: call sdk\.shutdown\(\)\.$/);
  });

  test('measurements: one finding per kind, test and name, with the message of the kind', () => {
    const heap: Measurement = {
      kind: 'heap',
      test: ['grows'],
      name: '',
      site: null,
      bytes: 40 * 1024 * 1024,
      details: {},
    };
    const { findings } = run({ measurements: [listener('exit'), listener('exit'), listener('SIGINT'), heap] });
    expect(findings.map((f) => [f.kind, f.count, f.scope, f.action])).toEqual([
      ['heap', 1, 'test', 'warn'],
      ['listener', 2, 'test', 'warn'],
      ['listener', 1, 'test', 'warn'],
    ]);
    expect(findings[0]!.message).toMatch(/^The heap grew by 40\.0 MiB during the test/);
    expect(findings[0]!.bytes).toBe(40 * 1024 * 1024);
    expect(findings[1]!.message).toMatch(/^The test added a process "exit" listener/);
  });

  test('off drops a kind; ignore rules and inline allows drop what they name, and only that', () => {
    const resources = [timer(10), timer(12, ['other'])];
    expect(run({ resources }, { kinds: { timer: 'off' } }).findings).toEqual([]);
    expect(run({ resources }, { ignore: [{ kind: 'timer', test: 'other' }] }).findings).toHaveLength(1);
    const allows = { file: new Map(), tests: new Map([['suite\u203apolls', new Map([['timer' as const, 'why']])]]) };
    expect(run({ resources, allows }).findings.map((f) => f.test)).toEqual([['other']]);
    const fileAllow = { file: new Map([['timer' as const, 'why']]), tests: new Map() };
    expect(run({ resources, allows: fileAllow }).findings).toEqual([]);
  });

  test('allow is counted per file across judgements: the leak that passes it is reported', () => {
    const options = { kinds: { timer: { action: 'fail' as const, allow: 2 } } };
    const first = run({ when: 'test', resources: [timer(10)] }, options);
    expect(first.findings).toEqual([]);
    const second = run({ when: 'test', resources: [timer(11)], counted: first.counted }, options);
    expect(second.findings).toEqual([]);
    expect(second.counted).toEqual({ timer: 2 });
    const third = run({ when: 'test', resources: [timer(12)], counted: second.counted }, options);
    expect(third.findings.map((f) => f.site?.line)).toEqual([12]);
    // Judged together, a file over its allowance reports all of them.
    expect(run({ resources: [timer(10), timer(11), timer(12)] }, options).findings).toHaveLength(3);
    expect(run({ resources: [timer(10), timer(11)] }, options).findings).toHaveLength(0);
  });

  test('the baseline marks what it knows, each entry once, and says which entries it matched', () => {
    const [known] = run({ resources: [timer(10)] }).findings;
    const entry: BaselineEntry = { id: known!.id, kind: 'timer', file: FILE, test: known!.test, site: known!.site };
    const verdict = run({ resources: [timer(10), timer(30)], baseline: [entry] });
    expect(verdict.findings.map((f) => [f.site?.line, f.baselined === true])).toEqual([
      [10, true],
      [30, false],
    ]);
    expect(verdict.matched).toEqual([entry]);
    // The line moved: still the same known leak.
    expect(run({ resources: [timer(14)], baseline: [entry] }).findings[0]!.baselined).toBe(true);
    expect(run({ resources: [timer(10)], baseline: [] }).findings[0]!.baselined).toBeUndefined();
  });

  test('ids are stable: the same evidence gives the same ids, another test another id', () => {
    const a = run({ resources: [timer(10)] }).findings[0]!.id;
    expect(run({ resources: [timer(10)] }).findings[0]!.id).toBe(a);
    expect(run({ resources: [timer(10, ['suite', 'other'])] }).findings[0]!.id).not.toBe(a);
  });
});

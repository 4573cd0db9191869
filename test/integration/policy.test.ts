import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run.js';

const lines = (r: RunResult) =>
  r.report!.findings.map((f) => `${f.kind} ${f.scope} ${f.site?.file}:${f.site?.line} ${f.test?.join(' > ')}`).sort();

describe('ignore rules, inline allowances and strict scope', () => {
  let fileScope: RunResult;
  let testScope: RunResult;
  let jest: RunResult;
  beforeAll(async () => {
    [fileScope, testScope, jest] = await Promise.all([
      runVitest('policy'),
      runVitest('policy', [], { env: { FIXTURE_SCOPE: 'test' } }),
      runJest('jest-policy', ['--no-cache']),
    ]);
  });
  afterAll(() => [fileScope, testScope, jest].forEach(cleanup));

  const reported = () =>
    `timer file rules.test.ts:${markerLine('policy', 'rules.test.ts', 'reported')} still reported: a timer nobody allowed`;
  const second = () =>
    `timer file rules.test.ts:${markerLine('policy', 'rules.test.ts', 'second')} allow() outside its own test does not leak into this one`;

  test('rules by stack module, test title and file, allow() and allowFile() drop exactly their findings', () => {
    expect(fileScope.code, fileScope.output).toBe(1);
    expect(lines(fileScope)).toEqual([reported(), second()].sort());
  });

  test("the resolved policy lists the user's rules with their reasons", () => {
    expect((fileScope.report!.policy as { ignore: unknown[] }).ignore).toContainEqual({
      stack: 'helpers/pool.ts',
      reason: 'the pool is closed by globalTeardown',
    });
  });

  test("scope 'test': a resource closed only in the file's afterAll is a leak of its test, judged at the test's end", () => {
    const scoped = `timer test scoped.test.ts:${markerLine('policy', 'scoped.test.ts', 'scoped')} closed only by the file afterAll: fine for scope file, a leak for scope test`;
    expect(lines(testScope)).toEqual(
      [reported(), second(), scoped].map((l) => l.replace('timer file', 'timer test')).sort(),
    );
    expect(testScope.report!.findings.find((f) => f.file === 'scoped.test.ts')!.message).toContain(
      "after the test's afterEach hooks",
    );
  });

  test("Jest: allow() from the test file's own realm reaches leakwatch", () => {
    expect(jest.code, jest.output).toBe(1);
    expect(jest.report!.findings.map((f) => [f.kind, f.test, f.site?.line])).toEqual([
      ['timer', ['not allowed'], markerLine('jest-policy', 'allow.test.js', 'jest-reported')],
    ]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import {
  LeakwatchConfigError,
  buildReport,
  findingId,
  mergeReports,
  publishRun,
  renderBaseline,
  resolveOptions,
  type Finding,
  type LeakReport,
} from '@leakwatch/core/adapter';

function finding(file: string, test: string[] | null, line: number, count = 1): Finding {
  const site = { file, line, column: 3 };
  return {
    id: findingId('timer', file, test, site),
    kind: 'timer',
    scope: test ? 'test' : 'file',
    action: 'fail',
    file,
    test,
    site,
    message: 'A timer is still pending',
    count,
  };
}

function shard(
  index: number | undefined,
  files: string[],
  findings: Finding[],
  extra: { startedAt?: number; durationMs?: number; interrupted?: string; errors?: string[] } = {},
): LeakReport {
  return buildReport({
    runner: 'vitest',
    runnerVersion: '4.1.12',
    startedAt: new Date(extra.startedAt ?? 1_000),
    durationMs: extra.durationMs ?? 500,
    options: resolveOptions([], {}),
    files: files.map((file) => ({ file, tests: [{ titlePath: ['t'], state: 'passed' }] })),
    findings,
    errors: extra.errors ?? [],
    interrupted: extra.interrupted,
    shard: index === undefined ? undefined : { index, count: 3 },
  });
}

const named = (...reports: LeakReport[]) => reports.map((report, i) => ({ name: `shard-${i + 1}.json`, report }));

describe('mergeReports', () => {
  test('unites files, tests and findings, counts again, spans every shard, and drops the shard', () => {
    const merged = mergeReports(
      named(
        shard(2, ['b.test.ts'], [finding('b.test.ts', ['t'], 4)], { startedAt: 2_000, durationMs: 1_000 }),
        shard(1, ['a.test.ts', 'c.test.ts'], [finding('a.test.ts', ['t'], 1), finding('a.test.ts', null, 9)]),
        shard(3, ['d.test.ts'], [], { errors: ['probe timers failed'] }),
      ),
    );
    expect(merged.shard).toBeUndefined();
    expect(merged.files.map((f) => f.file)).toEqual(['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts']);
    expect(merged.findings.map((f) => `${f.file}:${f.site?.line}`)).toEqual([
      'a.test.ts:1',
      'a.test.ts:9',
      'b.test.ts:4',
    ]);
    expect(merged.summary).toMatchObject({ files: 4, tests: 4, findings: 3, failing: 3, complete: true });
    expect(merged.errors).toEqual(['shard 3/3: probe timers failed']);
    expect(merged.startedAt).toBe(new Date(1_000).toISOString());
    expect(merged.durationMs).toBe(2_000);
  });

  test('a finding every shard reports alike (the main process) is one finding', () => {
    const main = finding('vitest.config.ts', null, 12);
    const merged = mergeReports(
      named(shard(1, ['a.test.ts'], [main]), shard(2, ['b.test.ts'], [main]), shard(3, ['c.test.ts'], [main])),
    );
    expect(merged.findings).toEqual([main]);
    expect(merged.summary.findings).toBe(1);
  });

  test('an interrupted shard makes the merged report incomplete, saying which', () => {
    const merged = mergeReports(
      named(shard(1, ['a.test.ts'], []), shard(2, ['b.test.ts'], [], { interrupted: 'SIGTERM' }), shard(3, [], [])),
    );
    expect(merged.summary.complete).toBe(false);
    expect(merged.interrupted).toBe('shard 2/3: SIGTERM');
  });

  test('reports without shards over different files merge too', () => {
    const merged = mergeReports(named(shard(undefined, ['a.test.ts'], []), shard(undefined, ['b.test.ts'], [])));
    expect(merged.summary.files).toBe(2);
  });

  test.each([
    ['a missing shard', named(shard(1, ['a'], []), shard(3, ['c'], [])), 'the report of shard 2/3 is missing'],
    [
      'a shard given twice',
      named(shard(1, ['a'], []), shard(1, ['b'], []), shard(2, ['c'], [])),
      'shard 1/3 is given twice (shard-1.json and shard-2.json)',
    ],
    ['shards and a whole run', named(shard(1, ['a'], []), shard(undefined, ['b'], [])), 'shard-2.json is not a shard'],
    [
      'overlapping files',
      named(shard(undefined, ['a'], []), shard(undefined, ['a'], [])),
      'a is in shard-1.json and in shard-2.json',
    ],
    [
      'two runners',
      named(shard(undefined, ['a'], []), { ...shard(undefined, ['b'], []), runner: 'jest' }),
      'shard-2.json is a jest report',
    ],
    ['nothing', [], 'no report given'],
  ])('refuses %s, naming the fix', (_, inputs, message) => {
    let error: unknown;
    try {
      mergeReports(inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeakwatchConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toContain('Fix:');
  });
});

describe('a shard run judges the baseline entries of its own files only', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-shard-baseline-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const mine = finding('a.test.ts', ['t'], 1);
  const others = finding('b.test.ts', ['t'], 2);
  fs.writeFileSync(path.join(root, 'leakwatch-baseline.json'), renderBaseline([mine, others]));
  const publish = (shardOf?: { index: number; count: number }) => {
    const sink = new PassThrough();
    const exitCode = process.exitCode;
    try {
      return publishRun({
        runner: 'vitest',
        startedAt: new Date(),
        options: resolveOptions([{ console: false }], {}),
        root,
        stream: sink,
        files: [{ info: { file: 'a.test.ts', tests: [{ titlePath: ['t'], state: 'passed' }] }, result: undefined }],
        shard: shardOf,
      })!;
    } finally {
      process.exitCode = exitCode;
    }
  };

  test('in a shard, an entry of another shard is not stale; in the whole run it is', () => {
    expect(publish({ index: 1, count: 2 }).baseline?.stale.map((e) => e.file)).toEqual(['a.test.ts']);
    expect(publish().baseline?.stale.map((e) => e.file)).toEqual(['a.test.ts', 'b.test.ts']);
  });
});

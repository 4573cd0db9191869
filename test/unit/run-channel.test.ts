import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  RUN_ENV,
  joinRun,
  publishChannel,
  receiveAll,
  receiveResult,
  sendResult,
  type RunChannel,
} from '../../packages/core/src/run-channel.js';
import { resolveOptions } from '../../packages/core/src/options.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-channel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const channel: RunChannel = { pid: 4242, root: '/project', options: resolveOptions([], {}), dir };

describe('the run channel', () => {
  test('the process that opened it and its children join it; an outer run’s grandchildren do not', () => {
    const env: NodeJS.ProcessEnv = {};
    publishChannel(channel, env);
    expect(env[RUN_ENV]).toBeTypeOf('string');
    expect(joinRun(env, { pid: 4242, ppid: 1 })).toEqual(channel);
    expect(joinRun(env, { pid: 5000, ppid: 4242 })).toEqual(channel);
    expect(joinRun(env, { pid: 6000, ppid: 5000 })).toBeUndefined();
  });

  test('no variable, an empty one or a broken one is no channel', () => {
    const self = { pid: 4242, ppid: 1 };
    expect(joinRun({}, self)).toBeUndefined();
    expect(joinRun({ [RUN_ENV]: '' }, self)).toBeUndefined();
    expect(joinRun({ [RUN_ENV]: '{not json' }, self)).toBeUndefined();
  });

  test('a file result sent by a test process is received by its path; other paths have none', () => {
    const result = { file: 'a.test.ts', findings: [], errors: ['x'], baseline: [1] };
    sendResult(channel, '/project/a.test.ts', result);
    expect(receiveResult(dir, '/project/a.test.ts')).toEqual(result);
    expect(receiveResult(dir, '/project/b.test.ts')).toBeUndefined();
  });

  test('receiveAll: every result sent so far, for an interrupted run; no temp file of a write in progress', () => {
    const all = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-channel-all-'));
    try {
      const at = { ...channel, dir: all };
      sendResult(at, '/project/a.test.ts', { file: 'a.test.ts', findings: [], errors: [] });
      sendResult(at, '/project/b.test.ts', { file: 'b.test.ts', findings: [], errors: [] });
      fs.writeFileSync(path.join(all, 'c.json.123.456.tmp'), '{"file": "half');
      expect(
        receiveAll(all)
          .map((r) => r.file)
          .sort(),
      ).toEqual(['a.test.ts', 'b.test.ts']);
    } finally {
      fs.rmSync(all, { recursive: true, force: true });
    }
    expect(receiveAll(all)).toEqual([]);
  });

  test('a test process that outlives its run (the directory is gone) sends nothing and recreates nothing', () => {
    const gone = path.join(dir, 'gone');
    sendResult({ ...channel, dir: gone }, '/project/a.test.ts', { file: 'a.test.ts', findings: [], errors: [] });
    expect(fs.existsSync(gone)).toBe(false);
  });
});

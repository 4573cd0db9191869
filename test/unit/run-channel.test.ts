import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  RUN_ENV,
  joinRun,
  publishChannel,
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
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runVitest, type RunResult } from './run';
import { expectConsistentSummary, expectSchemaValid, markerLine, shape } from './helpers';

/**
 * The ref state of every handle kind the probes read (tcp and unix sockets and servers, udp, fs watchers, workers,
 * children and their IPC channel): open but unref'ed by its owner is no leak; ref'ed is. The fixture judges with scope
 * 'test', so each handle is still open when judged.
 */
const FIXTURE = 'handle-refs';
const RUNNERS = {
  vitest: () => runVitest(FIXTURE, ['--pool=forks']),
  jest30: () => runJest(FIXTURE, ['--maxWorkers=2', '--no-cache'], { jest: 'jest30' }),
  jest29: () => runJest(FIXTURE, ['--maxWorkers=2', '--no-cache'], { jest: 'jest29' }),
};
type Runner = keyof typeof RUNNERS;

function alive(pid: unknown): boolean {
  try {
    process.kill(pid as number, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(Object.keys(RUNNERS) as Runner[])('%s', (runner) => {
  let run: RunResult;
  beforeAll(async () => {
    run = await RUNNERS[runner]();
  });
  afterAll(() => {
    const pid = run?.report?.findings.find((f) => f.kind === 'child-process')?.details?.pid;
    if (pid && alive(pid)) process.kill(pid as number, 'SIGKILL');
    cleanup(run);
  });

  test('ref-ed: a unix socket client and a forked child held by its IPC channel, one finding each', () => {
    expect(run.report, run.output).toBeDefined();
    expect(run.report!.errors).toEqual([]);
    const line = (marker: string) => markerLine(FIXTURE, 'refed.test.js', marker);
    expect(run.report!.findings.map(shape).sort()).toEqual(
      [
        `fail test socket refed.test.js [ref-ed handles > unix socket client] refed.test.js:${line('ipc-client')} x1`,
        `fail test child-process refed.test.js [ref-ed handles > forked child unref-ed, its IPC channel still ref-ed] refed.test.js:${line('fork')} x1`,
      ].sort(),
    );
    expect(run.report!.findings.find((f) => f.kind === 'socket')!.details).toMatchObject({ protocol: 'ipc' });
    expectSchemaValid(run.report);
    expectConsistentSummary(run.report!);
    expect(run.code, run.output).toBe(1);
  });

  test('reap stopped the forked child', () => {
    const pid = run.report!.findings.find((f) => f.kind === 'child-process')!.details!.pid;
    expect(alive(pid)).toBe(false);
  });

  test('unref-ed: no finding, every test ran and passed', () => {
    expect(run.report!.findings.filter((f) => f.file === 'unrefed.test.js').map(shape)).toEqual([]);
    const tests = (run.report as any).files.flatMap((f: any) =>
      f.tests.map((t: any) => `${f.file} > ${t.titlePath.join(' > ')}: ${t.state}`),
    );
    expect(tests.filter((t: string) => t.startsWith('unrefed.test.js')).sort()).toEqual(
      [
        'tcp server and its client',
        'unix socket server and its client',
        'udp socket',
        'fs.watch and fs.watchFile',
        'worker thread',
        'child process without pipes',
        'forked child with its IPC channel unref-ed too',
      ]
        .map((title) => `unrefed.test.js > unref-ed handles > ${title}: passed`)
        .sort(),
    );
    expect(run.output).not.toMatch(/failed to exit gracefully|did not exit/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runVitest, type RunResult } from './run';
import { expectConsistentSummary, expectSchemaValid, markerLine, shape } from './helpers';

/**
 * A leaked child whose grandchild inherited its stdout/stderr pipes: the pipes outlive the child and hold the process
 * until the grandchild ends (`sleep 30`). With reap on (CI=true) the child is stopped and its pipes closed on our side
 * without waiting for the grandchild, so even Jest in band exits at once. A child that already exited while its
 * grandchild holds the pipes is still open, for the same reason.
 */
const FIXTURE = 'reap-children';
const RUNNERS = {
  'jest30 --runInBand': () =>
    runJest(FIXTURE, ['--runInBand', '--no-cache'], { env: { CI: 'true' }, jest: 'jest30', timeoutMs: 60_000 }),
  'jest29 --runInBand': () =>
    runJest(FIXTURE, ['--runInBand', '--no-cache'], { env: { CI: 'true' }, jest: 'jest29', timeoutMs: 60_000 }),
  'vitest forks': () => runVitest(FIXTURE, ['--pool=forks'], { env: { CI: 'true' }, timeoutMs: 60_000 }),
};

/** The grandchildren a run started, from the fixture's grandchildren.pids: "<pid> <test file>" per line. */
function grandchildren(run: RunResult): Array<{ pid: number; file: string }> {
  const file = path.join(run.outDir, 'grandchildren.pids');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, name] = line.split(' ');
      return { pid: Number(pid), file: name! };
    });
}

/** Still the fixture's `sleep 30`: a zombie has an empty command line, and a reused pid another one. */
function sleeping(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u000030\u0000';
  } catch {
    return false;
  }
}

describe.each(Object.keys(RUNNERS) as Array<keyof typeof RUNNERS>)('%s', (runner) => {
  let run: RunResult;
  beforeAll(async () => {
    run = await RUNNERS[runner]();
  });
  afterAll(() => {
    // The grandchildren of the leaky file outlive the run by design: ours to stop.
    if (run) for (const { pid } of grandchildren(run)) if (sleeping(pid)) process.kill(pid, 'SIGKILL');
    cleanup(run);
  });

  test('each leaked child is one child-process finding at its test and line, its pipes not reported as sockets', () => {
    expect(run.report, run.output).toBeDefined();
    expect(run.report!.errors).toEqual([]);
    const line = (marker: string) => markerLine(FIXTURE, 'leaky.test.js', marker);
    expect(run.report!.findings.map(shape).sort()).toEqual(
      [
        `fail file child-process leaky.test.js [children > a shell still waiting for its grandchild] leaky.test.js:${line('running')} x1`,
        `fail file child-process leaky.test.js [children > a shell gone, its background grandchild holding the pipes] leaky.test.js:${line('exited')} x1`,
      ].sort(),
    );
    for (const finding of run.report!.findings)
      expect(finding.details).toEqual({
        shell: 'sh',
        command: 'sleep',
        argc: expect.any(Number),
        pid: expect.any(Number),
      });
    expectSchemaValid(run.report);
    expectConsistentSummary(run.report!);
    expect(run.code, run.output).toBe(1);
  });

  test('reap closes their pipes: the run ends long before the grandchildren, which are left running', () => {
    expect(run.durationMs, run.output).toBeLessThan(15_000);
    expect(run.output).not.toMatch(/did not exit|failed to exit gracefully/);
    const leaky = grandchildren(run).filter((g) => g.file === 'leaky.test.js');
    expect(leaky).toHaveLength(2);
    // Not killed, and not waited for: the run was over before they would have ended.
    for (const { pid } of leaky) expect(sleeping(pid), `grandchild ${pid}`).toBe(true);
  });

  test('the look-alikes that stop their grandchild: no finding, every test passed', () => {
    expect(run.report!.findings.filter((f) => f.file === 'clean.test.js').map(shape)).toEqual([]);
    const tests = (run.report as any).files.flatMap((f: any) =>
      f.tests.map((t: any) => `${f.file} > ${t.titlePath.join(' > ')}: ${t.state}`),
    );
    expect(tests.filter((t: string) => t.startsWith('clean.test.js')).sort()).toEqual([
      'clean.test.js > children stopped > a shell and its grandchild stopped as a process group: passed',
      'clean.test.js > children stopped > a shell gone, its background grandchild stopped by the test: passed',
      'clean.test.js > children stopped > a shell that waits for a short-lived grandchild: passed',
    ]);
    const clean = grandchildren(run).filter((g) => g.file === 'clean.test.js');
    expect(clean).toHaveLength(2);
    for (const { pid } of clean) expect(sleeping(pid), `grandchild ${pid}`).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run';

// A resource whose close() throws or never calls back must not hang a run whose files share a process (Jest in
// band, Vitest without isolation): reap gives each close() a bound, lets go of what did not close (unref'ed, so it no
// longer holds the process), and names it in the report's errors with its kind and site.

const FIXTURE = 'reap-bounded';
const CLEAN = 'reap-bounded-clean';
const FILE = 'broken-close.test.js';
const line = (marker: string) => markerLine(FIXTURE, FILE, marker);

// Our own bound on each run: far above leakwatch's 3 s reap budget, far below a hung run (killed here, code null).
const BOUND_MS = 30_000;

const SHARED_PROCESS = {
  'jest 30 --runInBand': (fixture: string) =>
    runJest(fixture, ['--runInBand', '--no-cache'], { env: { CI: 'true' }, timeoutMs: BOUND_MS }),
  'jest 29 --runInBand': (fixture: string) =>
    runJest(fixture, ['--runInBand', '--no-cache'], { env: { CI: 'true' }, timeoutMs: BOUND_MS, jest: 'jest29' }),
  'vitest --no-isolate': (fixture: string) =>
    runVitest(fixture, ['--no-isolate', '--maxWorkers=1', '--pool=forks', '--teardownTimeout=3000'], {
      env: { CI: 'true' },
      timeoutMs: BOUND_MS,
    }),
};

describe.each(Object.entries(SHARED_PROCESS))('%s', (_name, run) => {
  let broken: RunResult;
  let clean: RunResult;
  beforeAll(async () => {
    [broken, clean] = await Promise.all([run(FIXTURE), run(CLEAN)]);
  });
  afterAll(() => {
    cleanup(broken);
    cleanup(clean);
  });

  test('the run ends on its own, within the reap budget, and the later file still runs', () => {
    expect(broken.code, broken.output).toBe(1);
    expect(broken.durationMs).toBeLessThan(20_000);
    expect(broken.output).not.toContain('did not exit');
    expect(broken.report!.files).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'later.test.js', tests: [expect.anything()] })]),
    );
  });

  test('each broken server is reported at its line, and nothing else', () => {
    const servers = broken.report!.findings.map((f) => ({ kind: f.kind, test: f.test, line: f.site?.line }));
    expect(servers).toEqual([
      { kind: 'server', test: ['close never calls back and never closes'], line: line('never') },
      { kind: 'server', test: ['close throws'], line: line('throws') },
      { kind: 'server', test: ['close closes but never calls back'], line: line('silent') },
    ]);
  });

  test('what could not be reaped is in the errors, with its kind and site; a server that did close is not', () => {
    const errors = broken.report!.errors;
    expect(errors, broken.output).toHaveLength(2);
    expect(errors).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^reap server at ${FILE}:${line('never')}:\\d+: its close did not finish within 3000 ms; left open, unref'ed so it does not keep the process alive$`,
        ),
      ),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^reap server at ${FILE}:${line('throws')}:\\d+: its close threw close is broken; left open, unref'ed so it does not keep the process alive$`,
        ),
      ),
    );
    // Said as what it is, a resource of the user's that could not be closed, not as a fault of leakwatch's.
    expect(broken.output).toMatch(new RegExp(`^leakwatch: reap server at ${FILE}:${line('never')}:`, 'm'));
    expect(broken.output).not.toContain('internal error');
  });

  test('clean look-alike: wrapped closes that call back give no finding and no error', () => {
    expect(clean.code, clean.output).toBe(0);
    expect(clean.report!.findings).toEqual([]);
    expect(clean.report!.errors).toEqual([]);
  });
});

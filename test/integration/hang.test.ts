import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine } from './helpers';
import { cleanup, FIXTURES, runJest, runVitest, type RunResult } from './run.js';

/** The marked line of a hang fixture file and the 1-based column of its `listen(` call, where V8 places the frame. */
function listenSite(file: string, marker: string, fixture = 'hang'): { file: string; line: number; column: number } {
  const line = markerLine(fixture, file, marker);
  const text = fs.readFileSync(path.join(FIXTURES, fixture, file), 'utf8').split('\n')[line - 1]!;
  expect(text).toContain('.listen(');
  return { file, line, column: text.indexOf('.listen(') + 2 };
}

/** The console's code frame points at the site: `> line |` followed by the listen() call, the caret under it. */
function expectCodeFrame(output: string, site: { file: string; line: number; column: number }): void {
  expect(output).toContain(`${site.file}:${site.line}:${site.column}`);
  const lines = output.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s*> ${site.line} \\|.*\\.listen\\(`).test(l));
  expect(at, output).toBeGreaterThan(-1);
  const caret = lines[at + 1]!;
  const gutter = lines[at]!.indexOf('|') + 2;
  expect(caret.indexOf('^') - gutter + 1, `${lines[at]}\n${caret}`).toBe(site.column);
}

// A globalSetup that leaves a server open keeps the runner's main process alive after the run: the hang users meet
// as "Jest did not exit one second after the test run has completed" or Vitest's "close timed out".
describe('a globalSetup that leaks a server', () => {
  let jestWith: RunResult;
  let jestPlain: RunResult;
  let vitestWith: RunResult;
  let vitestPlain: RunResult;
  beforeAll(async () => {
    [jestWith, jestPlain, vitestWith, vitestPlain] = await Promise.all([
      runJest('hang', ['--no-cache'], { timeoutMs: 30_000 }),
      runJest('hang', ['--no-cache'], { env: { FIXTURE_PLAIN: '1' }, timeoutMs: 12_000 }),
      runVitest('hang', [], { timeoutMs: 30_000 }),
      runVitest('hang', [], { env: { FIXTURE_PLAIN: '1' }, timeoutMs: 30_000 }),
    ]);
  });
  afterAll(() => [jestWith, jestPlain, vitestWith, vitestPlain].forEach(cleanup));

  test('without leakwatch, Jest never exits (stopped by our own bound) and Vitest waits out its teardownTimeout', () => {
    expect(jestPlain.code).toBeNull();
    expect(jestPlain.output).toContain('Jest did not exit');
    expect(vitestPlain.output).toContain('close timed out');
    expect(vitestPlain.durationMs).toBeGreaterThan(5_000);
  });

  test('with leakwatch (reap on in CI), Jest says what keeps it alive, with the line, and exits promptly', () => {
    expect(jestWith.code, jestWith.output).toBe(1);
    expect(jestWith.durationMs).toBeLessThan(20_000);
    expect(jestWith.output).toContain('the test run has finished, but this keeps the process alive');
    const site = listenSite('global-setup.cjs', 'global-server');
    expect(jestWith.report!.findings).toMatchObject([
      { kind: 'server', scope: 'file', test: null, file: 'global-setup.cjs', site },
    ]);
    expectCodeFrame(jestWith.output, site);
    expect(jestWith.report!.summary).toMatchObject({ failing: 1 });
  });

  test('with leakwatch, Vitest reports the globalSetup server at its exact line and column and exits before its teardownTimeout', () => {
    expect(vitestWith.code, vitestWith.output).toBe(1);
    expect(vitestWith.output).not.toContain('close timed out');
    expect(vitestWith.durationMs).toBeLessThan(vitestPlain.durationMs);
    // Vite transformed the module in Vitest's main process: the site is mapped back to the original source.
    const site = listenSite('vitest-global-setup.ts', 'vitest-global-server');
    expect(vitestWith.report!.findings).toMatchObject([
      { kind: 'server', test: null, file: 'vitest-global-setup.ts', site },
    ]);
    expect(vitestWith.report!.findings[0]!.stack?.[0]).toMatch(
      new RegExp(`vitest-global-setup\\.ts:${site.line}:${site.column}\\)?$`),
    );
    expectCodeFrame(vitestWith.output, site);
  });

  test('the clean test file itself has no findings', () => {
    for (const run of [jestWith, vitestWith])
      expect(run.report!.findings.filter((f) => f.file === 'clean.test.js')).toEqual([]);
  });
});

// Vite bundles an ES module config under node_modules/.vite-temp and deletes the bundle once it is loaded; a plugin of
// that config leaves a server open in the main process from a hook that runs later.
describe("a Vitest config's own plugin that leaks a server", () => {
  let run: RunResult;
  beforeAll(async () => {
    run = await runVitest('hang-config', [], { timeoutMs: 30_000 });
  });
  afterAll(() => cleanup(run));

  test('is reported at the exact line and column of the config, and the run exits before its teardownTimeout', () => {
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('close timed out');
    const site = listenSite('vitest.config.mts', 'plugin-server', 'hang-config');
    expect(run.report!.findings).toMatchObject([{ kind: 'server', test: null, file: 'vitest.config.mts', site }]);
    expectCodeFrame(run.output, site);
  });
});

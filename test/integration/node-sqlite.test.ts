import { isBuiltin } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { markerLine, shape } from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run';

/**
 * node:sqlite's DatabaseSync exists from Node 22.5 (unflagged from 22.13). On older Node this suite is skipped; it was
 * run by hand with Node 22 (see the README's compatibility notes), where both runners must report the one leak.
 */
const supported = isBuiltin('node:sqlite');

describe.skipIf(!supported)(
  `node:sqlite${supported ? '' : ` (skipped: Node ${process.versions.node} has no node:sqlite, it needs Node >= 22.5)`}`,
  () => {
    const runs: Record<string, RunResult> = {};
    beforeAll(async () => {
      const [vitest, jest] = await Promise.all([
        runVitest('node-sqlite', ['--pool=forks']),
        runJest('node-sqlite', ['--maxWorkers=2', '--no-cache']),
      ]);
      runs.vitest = vitest;
      runs.jest = jest;
    });
    afterAll(() => Object.values(runs).forEach(cleanup));

    test.each(['vitest', 'jest'])(
      '%s: the unclosed DatabaseSync is one sqlite finding; the closed ones are not reported',
      (runner) => {
        const run = runs[runner]!;
        const expected = [
          { file: 'sqlite.test.js', marker: 'node-sqlite' },
          ...(runner === 'vitest' ? [{ file: 'esm.test.mjs', marker: 'node-sqlite-esm' }] : []),
        ];
        const sites = (run.report?.findings ?? [])
          .map((f) => `${f.action} ${f.kind} ${f.site?.file}:${f.site?.line}`)
          .sort();
        const want = expected
          .map(({ file, marker }) => `fail sqlite ${file}:${markerLine('node-sqlite', file, marker)}`)
          .sort();
        expect(sites, `${run.report?.findings.map(shape).join('\n')}\n${run.output}`).toEqual(want);
        for (const f of run.report!.findings) expect(f.details).toMatchObject({ driver: 'node:sqlite' });
        // leakwatch loads node:sqlite up front; Node's ExperimentalWarning for it must not appear on its account.
        expect(run.output).not.toMatch(/ExperimentalWarning: SQLite/);
      },
    );
  },
);

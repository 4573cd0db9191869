/**
 * A suite split across machines: `--shard=i/3` on each runner, each shard's JSON report merged with `leakwatch merge`
 * and compared with the same suite run in one piece, and the baseline checked against each shard and the merge.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runVitest, type Report, type RunResult } from './run';
import { expectConsistentSummary, expectJunitValid, expectSchemaValid, parseJunit, runLeakwatchCli } from './helpers';

const FIXTURE = 'shared-leaks';
const SHARDS = 3;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-shards-'));
const BLOBS = path.join(work, 'blobs');

const RUNS = {
  // Each shard also writes Vitest's blob report, as a CI job does for `vitest --merge-reports`.
  vitest: (args: string[]) => {
    const shard = args.find((a) => a.startsWith('--shard='))?.slice('--shard='.length, '--shard='.length + 1);
    const blob = shard
      ? ['--reporter=default', '--reporter=blob', `--outputFile.blob=${BLOBS}/blob-${shard}.json`]
      : [];
    return runVitest(FIXTURE, ['--pool=forks', ...blob, ...args]);
  },
  jest: (args: string[]) => runJest(FIXTURE, ['--maxWorkers=2', '--no-cache', ...args]),
};
type Runner = keyof typeof RUNS;

interface Runs {
  whole: RunResult;
  shards: RunResult[];
}
const runs: Partial<Record<Runner, Runs>> = {};

beforeAll(async () => {
  await Promise.all(
    (Object.keys(RUNS) as Runner[]).map(async (runner) => {
      const whole = await RUNS[runner]([]);
      const shards: RunResult[] = [];
      // One after the other, as separate CI machines would: the fixture leaks on purpose and each run is busy.
      for (let i = 1; i <= SHARDS; i++) shards.push(await RUNS[runner]([`--shard=${i}/${SHARDS}`]));
      runs[runner] = { whole, shards };
    }),
  );
}, 600_000);

afterAll(() => {
  for (const r of Object.values(runs)) for (const run of [r.whole, ...r.shards]) cleanup(run);
  fs.rmSync(work, { recursive: true, force: true });
});

const leakwatch = runLeakwatchCli;

const reportOf = (run: RunResult): Report => {
  expect(run.report, `no JSON report; the runner said:\n${run.output}`).toBeDefined();
  return run.report!;
};

/** What must be the same whether the suite ran in one piece or in shards. */
function identity(report: Report) {
  return {
    findings: report.findings.map((f) => ({ id: f.id, kind: f.kind, action: f.action, test: f.test, site: f.site })),
    files: (report.files as Array<{ file: string; tests: Array<{ titlePath: string[] }> }>).map((f) => ({
      file: f.file,
      // Titles, not states: a test the runner times out on a busy machine (measured.test.js retains 92 MiB) is the
      // runner's verdict, not leakwatch's.
      tests: f.tests.map((t) => t.titlePath.join(' > ')).sort(),
    })),
    summary: report.summary,
  };
}

/** The leak failures of a JUnit testcase: not the one saying the runner failed the test (see identity). */
const leakFailures = (c: { failures: Array<{ type: string }> }) =>
  c.failures
    .map((f) => f.type)
    .filter((type) => type !== 'leakwatch.test-failed')
    .join('+');

/** A folder per runner holding each shard's report, as a merge job downloads them. */
function collect(runner: Runner): { dir: string; files: string[] } {
  const dir = path.join(work, runner);
  fs.mkdirSync(dir, { recursive: true });
  const files = runs[runner]!.shards.map((run, i) => {
    const file = path.join(dir, `shard-${i + 1}.json`);
    fs.copyFileSync(run.jsonPath, file);
    return file;
  });
  return { dir, files };
}

describe.each(Object.keys(RUNS) as Runner[])('%s --shard', (runner) => {
  test('each shard says which shard it is and reports only its own files; together they are every file once', () => {
    const { whole, shards } = runs[runner]!;
    const all = (reportOf(whole).files as Array<{ file: string }>).map((f) => f.file).sort();
    expect(reportOf(whole).shard).toBeUndefined();
    const seen: string[] = [];
    shards.forEach((run, i) => {
      const report = reportOf(run);
      expectSchemaValid(report);
      expectConsistentSummary(report);
      expect(report.shard).toEqual({ index: i + 1, count: SHARDS });
      const files = (report.files as Array<{ file: string }>).map((f) => f.file);
      expect(files.length).toBeGreaterThan(0);
      for (const f of report.findings) expect(files).toContain(f.file);
      seen.push(...files);
    });
    expect(seen.sort()).toEqual(all);
  });

  test('leakwatch merge gives the report of the run in one piece: same files, tests, findings and ids', () => {
    const { whole } = runs[runner]!;
    const { dir, files } = collect(runner);
    const out = path.join(dir, 'merged.json');
    const junit = path.join(dir, 'merged-junit.xml');
    const cli = leakwatch(dir, 'merge', ...files.map((f) => path.basename(f)), '--out', out, '--junit', junit);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const merged = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
    expect(cli.stdout).toContain(`leakwatch: merged ${SHARDS} shards: ${merged.summary.files} test files`);
    expectSchemaValid(merged);
    expect(merged.shard).toBeUndefined();
    expect(merged.findings.length).toBeGreaterThan(3);
    expect(identity(merged)).toEqual(identity(reportOf(whole)));
    expect(merged.runner).toBe(runner);
    // The JUnit file of the whole run: one suite per test file, as the unsharded run writes it.
    expectJunitValid(junit);
    const suites = (j: string) =>
      parseJunit(j)
        .map((s) => `${s.attrs.name}: ${s.cases.map((c) => `${c.name} ${leakFailures(c)}`).join(', ')}`)
        .sort();
    expect(suites(junit)).toEqual(suites(whole.junitPath));
  });

  test('the baseline: written from the merge it is the unsharded one; each shard checks only its own entries', () => {
    const { whole, shards } = runs[runner]!;
    const { dir, files } = collect(runner);
    const fromWhole = path.join(dir, 'whole-baseline.json');
    const fromMerge = path.join(dir, 'merged-baseline.json');
    expect(leakwatch(dir, 'baseline', whole.jsonPath, '--out', fromWhole).code).toBe(0);
    expect(leakwatch(dir, 'merge', ...files, '--out', path.join(dir, 'merged.json')).code).toBe(0);
    expect(leakwatch(dir, 'baseline', 'merged.json', '--out', fromMerge).code).toBe(0);
    expect(fs.readFileSync(fromMerge, 'utf8')).toBe(fs.readFileSync(fromWhole, 'utf8'));
    const entries = JSON.parse(fs.readFileSync(fromWhole, 'utf8')).entries as Array<{ id: string }>;

    // Every shard is up to date against the whole baseline: the other shards' entries are not stale.
    files.forEach((file, i) => {
      const check = leakwatch(dir, 'baseline', file, '--check', '--out', fromWhole);
      expect(check.stdout).toContain('is up to date');
      expect(check.stdout).toContain(`(shard ${i + 1}/${SHARDS}: only the entries of its`);
      expect(check.code).toBe(0);
    });
    expect(leakwatch(dir, 'baseline', 'merged.json', '--check', '--out', fromWhole).code).toBe(0);

    // A leak fixed in shard 1's files: that shard finds its entry stale, the others do not see it; --prune on
    // shard 1 removes only it, and the entries of the other shards stay.
    const shard1 = reportOf(shards[0]!);
    const fixed = shard1.findings[0]!;
    const patched = path.join(dir, 'shard-1-fixed.json');
    fs.writeFileSync(patched, JSON.stringify({ ...shard1, findings: shard1.findings.slice(1) }));
    const stale = leakwatch(dir, 'baseline', patched, '--check', '--out', fromWhole);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('1 stale baseline entry');
    expect(stale.stdout).toContain(`(id ${fixed.id})`);
    expect(leakwatch(dir, 'baseline', files[1]!, '--check', '--out', fromWhole).code).toBe(0);
    const pruned = path.join(dir, 'pruned.json');
    fs.copyFileSync(fromWhole, pruned);
    expect(leakwatch(dir, 'baseline', patched, '--prune', '--out', pruned).code).toBe(0);
    const left = JSON.parse(fs.readFileSync(pruned, 'utf8')).entries as Array<{ id: string }>;
    expect(left.map((e) => e.id).sort()).toEqual(
      entries
        .map((e) => e.id)
        .filter((id) => id !== fixed.id)
        .sort(),
    );
    // Rewriting from a shard's report keeps the other shards' entries as they were.
    const rewritten = path.join(dir, 'rewritten.json');
    fs.copyFileSync(fromWhole, rewritten);
    expect(leakwatch(dir, 'baseline', files[2]!, '--out', rewritten).code).toBe(0);
    expect(fs.readFileSync(rewritten, 'utf8')).toBe(fs.readFileSync(fromWhole, 'utf8'));
  });
});

describe('vitest --merge-reports', () => {
  test('the merging run writes the report of the run in one piece, from the results the blobs carried', async () => {
    expect(fs.readdirSync(BLOBS).sort()).toEqual(['blob-1.json', 'blob-2.json', 'blob-3.json']);
    const merged = await runVitest(FIXTURE, [`--merge-reports=${BLOBS}`]);
    try {
      const report = reportOf(merged);
      expectSchemaValid(report);
      expect(report.shard).toBeUndefined();
      expect((report.summary as { fileErrors?: number }).fileErrors).toBe(0);
      expect(identity(report)).toEqual(identity(reportOf(runs.vitest!.whole)));
      // The table the merging run prints, and its exit code: a failing leak fails it as it failed its shard.
      expect(merged.output).toContain(`leakwatch ${report.summary.failing} failing`);
      expect(merged.code).toBe(1);
      expectJunitValid(merged.junitPath);
    } finally {
      cleanup(merged);
    }
  });
});

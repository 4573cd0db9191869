/**
 * The `leakwatch` bin as a user runs it (`node packages/core/dist/cli.js`, built), on the JSON reports of two real
 * runs of the `kinds` fixture and on report files derived from them: report filters and formats, the baseline
 * ratchet (write, --check, --prune), diff, and the errors with exit code 2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderBaseline, type Finding as CoreFinding } from '@leakwatch/core';
import { FIXTURES, TEST_DIR, cleanup, runVitest, type Finding, type Report, type RunResult } from './run';
import { expectJunitValid, expectSchemaValid, runLeakwatchCli, type CliResult } from './helpers';

const VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(TEST_DIR, '../packages/core/package.json'), 'utf8')) as { version: string }
).version;
const FIXTURE = path.join(FIXTURES, 'kinds');

let first: RunResult;
let second: RunResult;
/** A scratch project directory per test file: the CLI's default paths (leakwatch.json, leakwatch-baseline.json) land here. */
let cwd: string;

beforeAll(async () => {
  // Two runs of the same suite: ids must not depend on pids, ports or fds, so the second run checks clean.
  [first, second] = await Promise.all([runVitest('kinds'), runVitest('kinds')]);
  for (const run of [first, second]) expect(run.report, `no JSON report; Vitest said:\n${run.output}`).toBeDefined();
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cli-'));
  fs.copyFileSync(first.jsonPath, path.join(cwd, 'leakwatch.json'));
  fs.copyFileSync(second.jsonPath, path.join(cwd, 'second.json'));
});
afterAll(() => {
  cleanup(first);
  cleanup(second);
  if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
});

const leakwatch = (...args: string[]): CliResult => runLeakwatchCli(cwd, ...args);

const report = (): Report => first.report!;
const writeJson = (name: string, data: unknown) =>
  fs.writeFileSync(path.join(cwd, name), `${JSON.stringify(data, null, 2)}\n`);
const readBaseline = (name = 'leakwatch-baseline.json') =>
  JSON.parse(fs.readFileSync(path.join(cwd, name), 'utf8')) as {
    version: 1;
    entries: Array<{ id: string; kind: string; message?: string }>;
  };

/**
 * The first run's report a week later: the timer's line moved, the server's test was renamed, the file handle was
 * fixed and a socket leak is new.
 */
function laterReport(): Report {
  const r = structuredClone(report());
  const findings: Finding[] = [];
  for (const f of r.findings) {
    if (f.kind === 'file-handle') continue;
    if (f.kind === 'timer') findings.push({ ...f, id: 'moved0timer0', site: { ...f.site!, line: f.site!.line + 2 } });
    else if (f.kind === 'server')
      findings.push({ ...f, id: 'renamedserve', test: [...f.test!.slice(0, -1), 'serves, renamed'] });
    else findings.push(f);
  }
  findings.push({
    ...r.findings.find((f) => f.kind === 'server')!,
    id: 'new000socket',
    kind: 'socket',
    test: ['leaks', 'socket'],
    site: { file: 'leaky.test.ts', line: 99, column: 3 },
  });
  return { ...r, findings, summary: { ...r.summary, findings: findings.length } };
}

describe('the real report', () => {
  test('has the leaks of the kinds fixture', () => {
    expect(
      report()
        .findings.map((f) => f.kind)
        .sort(),
    ).toEqual(['child-process', 'file-handle', 'global', 'server', 'sqlite', 'timer', 'worker']);
  });
});

describe('leakwatch --help / --version', () => {
  test('--help lists the commands and the exit codes, exit 0', () => {
    const r = leakwatch('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/report \[report\]/);
    expect(r.stdout).toMatch(/baseline \[report\]/);
    expect(r.stdout).toMatch(/diff <a> <b>/);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+a check failed.*\n\s+2\s+usage or input error/);
  });

  test("a command's --help lists its options", () => {
    const r = leakwatch('baseline', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--prune');
    expect(r.stdout).toContain('--check');
    expect(r.stdout).toContain('--out <file>');
  });

  test('--version prints the package version', () => {
    const r = leakwatch('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`leakwatch/${VERSION}`);
  });
});

describe('leakwatch report', () => {
  test('prints the grouped table again from ./leakwatch.json, with code frames; exit 1 on failing findings', () => {
    const r = leakwatch('report', '--root', FIXTURE);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toContain('leakwatch leaky.test.ts (7 findings)');
    expect(r.stdout).toMatch(
      /FAIL\s+server in leaks > server\n\s+leaky\.test\.ts:\d+:\d+\n.*\|.*\n\s+> \d+ \|.*server\.listen/,
    );
    expect(r.stdout).toContain('leakwatch 6 failing, 1 warning in 2 files, 9 tests');
  });

  test('--kind and --file filter; only warnings left means exit 0', () => {
    const timers = leakwatch('report', 'leakwatch.json', '--kind', 'timer,server');
    expect(timers.code).toBe(1);
    expect(timers.stdout).toContain('(2 findings)');
    expect(timers.stdout).toMatch(/timer in leaks > interval/);
    expect(timers.stdout).not.toMatch(/worker thread/);
    const repeated = leakwatch('report', '--kind', 'timer', '--kind', 'server', '--format', 'json');
    expect((JSON.parse(repeated.stdout) as Report).findings.map((f) => f.kind).sort()).toEqual(['server', 'timer']);

    const global = leakwatch('report', '--kind', 'global');
    expect(global.code).toBe(0);
    expect(global.stdout).toContain('0 failing, 1 warning');

    expect(leakwatch('report', '--file', 'leaky.test.ts', '--kind', 'sqlite').stdout).toContain('(1 finding)');
    expect(leakwatch('report', '--file', '**/leaky.*').stdout).toContain('(7 findings)');
    const none = leakwatch('report', '--file', 'other/**');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('leakwatch: no leaks found (2 files, 9 tests)\n');
  });

  test('--format json is a valid report of the filtered findings, counted again', () => {
    const r = leakwatch('report', '--format', 'json', '--kind', 'worker,global');
    expect(r.code).toBe(1);
    const filtered = JSON.parse(r.stdout) as Report;
    expectSchemaValid(filtered);
    expect(filtered.findings.map((f) => f.kind).sort()).toEqual(['global', 'worker']);
    expect(filtered.summary).toMatchObject({ findings: 2, failing: 1, warning: 1 });
  });

  test('--format junit is valid JUnit; --format markdown is the step summary table', () => {
    const junit = leakwatch('report', '--format', 'junit');
    expect(junit.stdout).toMatch(/^<\?xml/);
    const file = path.join(cwd, 'junit.xml');
    fs.writeFileSync(file, junit.stdout);
    expectJunitValid(file);
    const md = leakwatch('report', '--format', 'markdown');
    expect(md.stdout).toContain('### leakwatch: 6 failing, 1 warning');
    expect(md.stdout).toMatch(/\| ❌ \| server \| leaks › server \| `leaky\.test\.ts:\d+` \| 1 \|/);
  });
});

describe('leakwatch baseline', () => {
  test('writes leakwatch-baseline.json from the report: one sorted entry per finding, identity only', () => {
    const r = leakwatch('baseline');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote 7 entries to leakwatch-baseline\.json/);
    const text = fs.readFileSync(path.join(cwd, 'leakwatch-baseline.json'), 'utf8');
    expect(text).toBe(renderBaseline(report().findings as unknown as CoreFinding[]));
    expect(text).not.toMatch(/"(count|message|details|stack|pid|port|bytes|action)"/);
  });

  test('the same suite run again checks clean: --check exits 0 and writes nothing', () => {
    const before = fs.readFileSync(path.join(cwd, 'leakwatch-baseline.json'), 'utf8');
    const r = leakwatch('baseline', 'second.json', '--check');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'leakwatch: the baseline leakwatch-baseline.json is up to date (7 entries, 7 findings).',
    );
    expect(fs.readFileSync(path.join(cwd, 'leakwatch-baseline.json'), 'utf8')).toBe(before);
    // Regenerating from the second run gives the same bytes: nothing run-specific is in the file.
    expect(leakwatch('baseline', 'second.json', '--out', 'again.json').code).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'again.json'), 'utf8')).toBe(before);
  });

  test('--check exits 1 listing the new finding and the stale entry (moved lines and renamed tests still match)', () => {
    writeJson('later.json', laterReport());
    const r = leakwatch('baseline', 'later.json', '--check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('leakwatch: 1 finding not in the baseline leakwatch-baseline.json:');
    expect(r.stdout).toMatch(
      /\n {2}\+ \[fail\] socket in "leaks > socket" at leaky\.test\.ts:99:3 \(id new000socket\)\n/,
    );
    expect(r.stdout).toContain(
      'leakwatch: 1 stale baseline entry in leakwatch-baseline.json (the leak no longer occurs):',
    );
    expect(r.stdout).toMatch(/\n {2}- file handle in "leaks > fd" at leaky\.test\.ts:\d+:\d+ \(id \w+\)\n/);
    expect(r.stdout).not.toMatch(/timer|server/);
    expect(r.stdout).toMatch(
      /Fix: fix the new leaks .*; remove the stale entries with `npx leakwatch baseline --prune`/,
    );
  });

  test('--prune removes the stale entry, never adds the new finding, and says so', () => {
    fs.copyFileSync(path.join(cwd, 'leakwatch-baseline.json'), path.join(cwd, 'prune.json'));
    const r = leakwatch('baseline', 'later.json', '--prune', '--out', 'prune.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^leakwatch: removed 1 entry from prune\.json \(leaks that no longer occur\), 6 kept\.\n {2}- file handle in/,
    );
    expect(r.stdout).toContain('leakwatch: 1 finding not in the baseline was not added');
    const pruned = readBaseline('prune.json');
    expect(pruned.entries.map((e) => e.kind).sort()).toEqual([
      'child-process',
      'global',
      'server',
      'sqlite',
      'timer',
      'worker',
    ]);
    // Moved and renamed entries now carry the findings' current ids.
    expect(pruned.entries.map((e) => e.id)).toEqual(expect.arrayContaining(['moved0timer0', 'renamedserve']));
    // Pruning again removes nothing; --check still fails on the new finding only.
    expect(leakwatch('baseline', 'later.json', '--prune', '--out', 'prune.json').stdout).toMatch(
      /^leakwatch: removed 0 entries .* 6 kept\./,
    );
    const check = leakwatch('baseline', 'later.json', '--check', '--out', 'prune.json');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('1 finding not in the baseline');
    expect(check.stdout).not.toContain('stale');
  });

  test('rewriting a baseline keeps the notes (message) of the entries that still occur', () => {
    const noted = readBaseline();
    noted.entries = noted.entries.map((e) =>
      e.kind === 'timer' ? { ...e, message: 'JIRA-7: polling stops in globalTeardown' } : e,
    );
    writeJson('noted.json', noted);
    expect(leakwatch('baseline', 'later.json', '--out', 'noted.json').stdout).toMatch(
      /wrote 7 entries to noted\.json \(1 new, 1 removed\)/,
    );
    const timer = readBaseline('noted.json').entries.find((e) => e.kind === 'timer')!;
    expect(timer).toMatchObject({ id: 'moved0timer0', message: 'JIRA-7: polling stops in globalTeardown' });
  });

  test('--check and --prune need a baseline, and refuse a corrupt one; writing replaces a corrupt one', () => {
    const missing = leakwatch('baseline', '--check', '--out', 'nothing.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /there is no baseline file nothing\.json to check against\. Fix: write it with `npx leakwatch baseline/,
    );
    expect(leakwatch('baseline', '--prune', '--out', 'nothing.json').stderr).toMatch(
      /no baseline file nothing\.json to prune/,
    );

    const half = fs.readFileSync(path.join(cwd, 'leakwatch-baseline.json'), 'utf8').slice(0, 100);
    fs.writeFileSync(path.join(cwd, 'half.json'), half);
    const corrupt = leakwatch('baseline', '--check', '--out', 'half.json');
    expect(corrupt.code).toBe(2);
    expect(corrupt.stdout).toBe('');
    expect(corrupt.stderr).toMatch(
      /the baseline file .*half\.json is not valid JSON .*half-written.*Fix: restore it from version control/,
    );
    const prune = leakwatch('baseline', '--prune', '--out', 'half.json');
    expect(prune.code).toBe(2);
    expect(fs.readFileSync(path.join(cwd, 'half.json'), 'utf8')).toBe(half);

    expect(leakwatch('baseline', '--out', 'half.json').code).toBe(0);
    expect(readBaseline('half.json').entries).toHaveLength(7);
  });
});

describe('leakwatch diff', () => {
  test('prints new, fixed and unchanged findings, exit 0', () => {
    const r = leakwatch('diff', 'leakwatch.json', 'later.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^leakwatch diff leakwatch\.json -> later\.json: 1 new, 1 fixed, 6 unchanged\n/);
    expect(r.stdout).toMatch(/\nnew \(1\):\n {2}\+ \[fail\] socket in "leaks > socket"/);
    expect(r.stdout).toMatch(/\nfixed \(1\):\n {2}- \[fail\] file handle in "leaks > fd"/);
    expect(r.stdout).toMatch(/\nunchanged \(6\):\n( {2}= .*\n){6}$/);
    expect(r.stdout).toMatch(/= \[fail\] server in "leaks > serves, renamed"/);
  });

  test('two runs of the same suite: nothing new, nothing fixed', () => {
    const r = leakwatch('diff', 'leakwatch.json', 'second.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^leakwatch diff leakwatch\.json -> second\.json: 0 new, 0 fixed, 7 unchanged\n/);
  });

  test('--format json for machines', () => {
    const r = leakwatch('diff', 'later.json', 'leakwatch.json', '--format', 'json');
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout) as {
      summary: Record<string, number>;
      new: Finding[];
      fixed: Finding[];
      unchanged: Array<{ before: Finding; after: Finding }>;
    };
    expect(diff.summary).toEqual({ new: 1, fixed: 1, unchanged: 6 });
    expect(diff.new.map((f) => f.kind)).toEqual(['file-handle']);
    expect(diff.fixed.map((f) => f.id)).toEqual(['new000socket']);
    expect(diff.unchanged.find((u) => u.after.kind === 'timer')!.before.id).toBe('moved0timer0');
  });
});

describe('usage and input errors exit 2 with a message naming the problem and the fix', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown command', ['lint'], /^leakwatch: unknown command "lint"\. Fix: use report, baseline, merge or diff\./],
    ['no command', [], /Usage:/],
    ['unknown option', ['report', '--kinds', 'timer'], /^leakwatch: Unknown option `--kinds`/],
    [
      'bad --format',
      ['report', '--format', 'xml'],
      /^leakwatch: invalid --format "xml"\. Fix: use one of text, json, junit, markdown\./,
    ],
    [
      'bad diff --format',
      ['diff', 'leakwatch.json', 'second.json', '--format', 'junit'],
      /invalid --format "junit"\. Fix: use one of text, json\./,
    ],
    [
      'bad --kind',
      ['report', '--kind', 'timers'],
      /^leakwatch: unknown kind "timers" for --kind\. Fix: use one of timer, socket/,
    ],
    ['missing value', ['report', '--kind'], /value is missing/],
    ['--prune with --check', ['baseline', '--prune', '--check'], /--prune and --check cannot be used together/],
    [
      'too many arguments',
      ['report', 'leakwatch.json', 'second.json'],
      /too many arguments for "report": second\.json/,
    ],
    [
      'diff with one file',
      ['diff', 'leakwatch.json'],
      /"diff" needs 2 report files\. Fix: usage is `leakwatch diff <a> <b>`/,
    ],
    [
      'missing report',
      ['report', 'nope.json'],
      /^leakwatch: the report file nope\.json does not exist\. Fix: run the tests with a JSON report/,
    ],
    ['missing diff input', ['diff', 'leakwatch.json', 'gone.json'], /the report file gone\.json does not exist/],
  ];
  test.each(cases)('%s', (name, args, message) => {
    const r = leakwatch(...args);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    if (name === 'no command') expect(r.stdout).toMatch(message);
    else expect(r.stderr).toMatch(message);
  });

  test('a corrupt, half-written or foreign report names the file and the fix', () => {
    const full = fs.readFileSync(path.join(cwd, 'leakwatch.json'), 'utf8');
    fs.writeFileSync(path.join(cwd, 'half-report.json'), full.slice(0, Math.floor(full.length / 2)));
    const half = leakwatch('report', 'half-report.json');
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(
      /^leakwatch: the report file half-report\.json is not valid JSON \(.*\): it may be half-written or not a report\. Fix: run the tests with a JSON report/,
    );

    writeJson('not-a-report.json', { version: 1, runner: 'karma', findings: [] });
    expect(leakwatch('report', 'not-a-report.json').stderr).toMatch(
      /^leakwatch: not-a-report\.json is not a leakwatch JSON report \(version 1\): "runner": expected/,
    );

    const baseline = leakwatch('diff', 'leakwatch.json', 'leakwatch-baseline.json');
    expect(baseline.code).toBe(2);
    expect(baseline.stderr).toMatch(/leakwatch-baseline\.json is a baseline file, not a JSON report/);
  });
});

describe('the CI examples (examples/ci)', () => {
  const dir = path.resolve(TEST_DIR, '../examples/ci');
  const lines = fs
    .readdirSync(dir)
    .flatMap((name) => fs.readFileSync(path.join(dir, name), 'utf8').split('\n'))
    .map((line) => /npx leakwatch (\w+)(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);

  test('use only commands and options the CLI has', () => {
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const [, command, rest] of lines) {
      const help = leakwatch(command!, '--help');
      expect(help.code, `leakwatch ${command} --help`).toBe(0);
      for (const option of rest!.match(/--[a-z-]+/g) ?? [])
        expect(help.stdout, `${command} ${option}`).toContain(option);
    }
  });
});

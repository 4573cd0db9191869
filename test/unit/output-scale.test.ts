import { stripVTControlCharacters } from 'node:util';
import { expect, test } from 'vitest';
import { buildReport, resolveOptions, validateOptions, type Finding } from '@leakwatch/core/adapter';
import { formatReport } from '../../packages/core/src/commands';
import * as consoleReport from '../../packages/core/src/report/console';
import { renderAnnotations, renderMarkdown } from '../../packages/core/src/report/github';
import { vitestAnnotates } from '../../packages/vitest/src/reporter';

// Sites are in files that do not exist: code frames are left out, the blocks are badge, site and message.
let next = 0;
function finding(file: string, line: number, action: 'fail' | 'warn', baselined = false): Finding {
  return {
    id: `id${next++}`,
    kind: action === 'fail' ? 'timer' : 'listener',
    scope: 'file',
    action,
    file,
    test: [`t${line}`],
    site: { file, line, column: 1 },
    message: `leak at ${file}:${line}`,
    count: 1,
    ...(baselined ? { baselined: true } : {}),
  };
}

function report(findings: Finding[]) {
  return buildReport({
    runner: 'vitest',
    startedAt: new Date(0),
    durationMs: 1,
    options: resolveOptions([], {}),
    files: [],
    findings,
    errors: [],
  });
}

// Whether the worker's stdout takes colours is not ours to decide: compare plain text.
const renderConsole = (...args: Parameters<typeof consoleReport.renderConsole>) =>
  stripVTControlCharacters(consoleReport.renderConsole(...args));
const renderFileResult = (...args: Parameters<typeof consoleReport.renderFileResult>) =>
  stripVTControlCharacters(consoleReport.renderFileResult(...args));
const badges = (text: string) => text.split('\n').filter((l) => /^ {3}(FAIL|WARN|KNOWN) {2}/.test(l));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test('consoleAll is a boolean, false by default; anything else is an error naming it and the fix', () => {
  expect(resolveOptions([], {}).consoleAll).toBe(false);
  expect(resolveOptions([{ consoleAll: true }], {}).consoleAll).toBe(true);
  expect(() => validateOptions({ consoleAll: 'yes' }, 'x.ts')).toThrow(
    /invalid value for "consoleAll": expected true or false, got 'yes' in x\.ts\. Fix: use true \(print every finding\) or false/,
  );
});

test('the table shows failing, then warnings, then known leaks: 5 per file, 20 in all, and says where the rest are', () => {
  // Warnings and known leaks come first in report order (a-, b-): severity, not order, decides what is shown.
  const findings = [
    ...range(8).map((i) => finding('a-known.test.ts', i, 'warn', true)),
    ...range(8).map((i) => finding('b-warn.test.ts', i, 'warn')),
    ...range(3).map((i) => finding('c-fail.test.ts', i, 'fail')),
    ...range(7).map((i) => finding('d-fail.test.ts', i, 'fail')),
  ];
  const text = renderConsole(report(findings), { root: '/nowhere', json: 'out/leakwatch.json' });
  const shown = badges(text);
  // 3 + 5 failing (d's per-file cap), 5 warnings, 5 known: 18, under the run's 20.
  expect(shown.filter((l) => l.includes('FAIL'))).toHaveLength(8);
  expect(shown.filter((l) => l.includes('WARN'))).toHaveLength(5);
  expect(shown.filter((l) => l.includes('KNOWN'))).toHaveLength(5);
  expect(shown).toHaveLength(18);
  expect(text).toContain('  … and 3 more in this file (3 known)');
  expect(text).toContain('  … and 3 more in this file (3 warning)');
  expect(text).toContain('  … and 2 more in this file (2 failing)');
  expect(text).toContain(
    'leakwatch: and 8 more findings not shown (2 failing, 3 warning, 3 known): see out/leakwatch.json (`npx leakwatch report out/leakwatch.json` prints them all)',
  );
  // The total counts everything.
  expect(text).toContain('leakwatch 10 failing, 8 warning, 8 known (baseline)');
});

test('the run cap keeps the most severe across files; without a JSON report it says how to see all', () => {
  const findings = [
    ...range(30).map((i) => finding('a-warn.test.ts', i, 'warn')),
    ...range(6).flatMap((n) => range(5).map((i) => finding(`f${n}.test.ts`, i, 'fail'))),
  ];
  const text = renderConsole(report(findings), { root: '/nowhere' });
  expect(badges(text)).toHaveLength(20);
  expect(badges(text).every((l) => l.includes('FAIL'))).toBe(true);
  expect(text).not.toMatch(/^leakwatch a-warn\.test\.ts/m);
  expect(text).toContain(
    'leakwatch: and 40 more findings not shown (10 failing, 30 warning): set `consoleAll: true` in the leakwatch options to print them all, or `outputFile.json` to keep them in a report',
  );
});

test('all: true shows every finding; a small report is shown whole either way', () => {
  const many = range(40).map((i) => finding('a.test.ts', i, 'fail'));
  const all = renderConsole(report(many), { root: '/nowhere', all: true });
  expect(badges(all)).toHaveLength(40);
  expect(all).not.toContain('not shown');
  // `leakwatch report` is how to see them all.
  expect(badges(stripVTControlCharacters(formatReport(report(many), 'text', { root: '/nowhere' })))).toHaveLength(40);
  const few = range(5).map((i) => finding('a.test.ts', i, 'warn'));
  const text = renderConsole(report(few), { root: '/nowhere' });
  expect(badges(text)).toHaveLength(5);
  expect(text).not.toContain('not shown');
  expect(text).not.toContain('… and');
});

test("a worker's own block (no collector) is capped per file, and consoleAll lifts the cap", () => {
  const result = { file: 'a.test.ts', findings: range(12).map((i) => finding('a.test.ts', i, 'fail')), errors: [] };
  const capped = renderFileResult(result, resolveOptions([], {}), '/nowhere', 'jest');
  expect(badges(capped)).toHaveLength(5);
  expect(capped).toContain('leakwatch: and 7 more findings not shown (7 failing): set `consoleAll: true`');
  expect(capped).not.toContain('… and');
  const all = renderFileResult(result, resolveOptions([{ consoleAll: true }], {}), '/nowhere', 'jest');
  expect(badges(all)).toHaveLength(12);
});

const lines = (text: string) => text.split('\n').filter(Boolean);

test('annotations: at most 10 errors and 10 warnings, one per site, failing first, then one notice', () => {
  const shared = range(3).map(() => finding('a.test.ts', 1, 'fail'));
  const findings = [
    ...shared,
    ...range(14).map((i) => finding('b.test.ts', i, 'fail')),
    ...range(9).map((i) => finding('c.test.ts', i, 'warn')),
    ...range(4).map((i) => finding('d.test.ts', i, 'warn', true)),
  ];
  const out = lines(renderAnnotations(report(findings), { rest: 'the step summary' }));
  const errors = out.filter((l) => l.startsWith('::error '));
  const warnings = out.filter((l) => l.startsWith('::warning '));
  expect(errors).toHaveLength(10);
  expect(errors[0]).toMatch(/^::error file=a\.test\.ts,line=1,.*%0A\(and 2 more findings at this line\)$/);
  expect(errors.slice(1).map((l) => /file=([^,]+),line=(\d+)/.exec(l)!.slice(1).join(':'))).toEqual(
    range(9).map((i) => `b.test.ts:${i}`),
  );
  // Warnings before known leaks.
  expect(warnings.map((l) => /file=([^,]+)/.exec(l)![1])).toEqual([...range(9).map(() => 'c.test.ts'), 'd.test.ts']);
  // Left: 5 failing sites of b, 3 known of d.
  expect(out.filter((l) => l.startsWith('::notice '))).toEqual([
    '::notice title=leakwatch%3A more findings::8 more leakwatch findings have no annotation (GitHub shows 10 errors and 10 warnings per step): see the step summary',
  ]);
  expect(out).toHaveLength(21);
});

test('annotations skip what the runner annotates; few findings need no notice', () => {
  const failing = range(3).map((i) => finding('a.test.ts', i, 'fail'));
  const warning = finding('a.test.ts', 9, 'warn');
  const r = report([...failing, warning]);
  const out = lines(renderAnnotations(r, { annotatedByRunner: new Set(failing.slice(0, 2).map((f) => f.id)) }));
  expect(out).toHaveLength(2);
  expect(out[0]).toMatch(/^::error file=a\.test\.ts,line=3,/);
  expect(out[1]).toMatch(/^::warning file=a\.test\.ts,line=9,/);
});

test("Vitest's github-actions reporter is recognised by name, with options, or as an instance", () => {
  class GithubActionsReporter {}
  class DefaultReporter {}
  expect(
    vitestAnnotates([
      ['default', {}],
      ['github-actions', {}],
    ]),
  ).toBe(true);
  expect(vitestAnnotates(['github-actions'])).toBe(true);
  expect(vitestAnnotates([new DefaultReporter(), new GithubActionsReporter()])).toBe(true);
  expect(vitestAnnotates([['default', {}], new DefaultReporter()])).toBe(false);
  expect(vitestAnnotates(undefined)).toBe(false);
});

test('the step summary keeps to its byte budget, failing first, and says where the rest are', () => {
  const findings = [
    ...range(50).map((i) => finding('a-warn.test.ts', i, 'warn')),
    ...range(50).map((i) => finding('b-fail.test.ts', i, 'fail')),
  ];
  const md = renderMarkdown(report(findings), 2000);
  expect(Buffer.byteLength(md)).toBeLessThanOrEqual(2000 + 100);
  const rows = md.split('\n').filter((l) => /^\| (❌|⚠️) \|/.test(l));
  expect(rows.length).toBeGreaterThan(5);
  expect(rows.every((l) => l.startsWith('| ❌'))).toBe(true);
  expect(md).toContain(`…and ${100 - rows.length} more findings: see the JSON report.`);
  // Unbounded (the CLI's markdown): every row, in report order.
  const all = renderMarkdown(report(findings))
    .split('\n')
    .filter((l) => /^\| (❌|⚠️) \|/.test(l));
  expect(all).toHaveLength(100);
  expect(all[0]).toMatch(/^\| ⚠️/);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  LeakwatchConfigError,
  buildReport,
  checkBaseline,
  diffReports,
  filterReport,
  findingId,
  formatReport,
  loadReport,
  pruneBaseline,
  renderBaseline,
  renderBaselineFrom,
  renderDiff,
  renderJson,
  resolveOptions,
  type Baseline,
  type Finding,
  type Kind,
} from '@leakwatch/core/adapter';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-commands-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function finding(
  kind: Kind,
  file: string,
  test: string[] | null,
  line: number,
  action: 'fail' | 'warn' = 'fail',
): Finding {
  const site = { file, line, column: 3 };
  return {
    id: findingId(kind, file, test, site),
    kind,
    scope: 'file',
    action,
    file,
    test,
    site,
    message: `${kind} leaked`,
    count: 1,
  };
}

const report = (findings: Finding[]) =>
  buildReport({
    runner: 'vitest',
    runnerVersion: '4.1.12',
    startedAt: new Date(0),
    durationMs: 1,
    options: resolveOptions([], {}),
    files: [],
    findings,
    errors: [],
  });

const timer = finding('timer', 'test/a.test.ts', ['a', 'polls'], 10);
const server = finding('server', 'test/a.test.ts', ['a', 'serves'], 20);
const socket = finding('socket', 'test/b/c.test.ts', ['c'], 5);
const heap = finding('heap', 'test/b/c.test.ts', ['c'], 6, 'warn');

describe('diffReports', () => {
  test('new, fixed and unchanged, with moved lines and renamed tests as unchanged', () => {
    const movedTimer = finding('timer', 'test/a.test.ts', ['a', 'polls'], 12);
    const renamedServer = finding('server', 'test/a.test.ts', ['a', 'serves notes'], 20);
    const diff = diffReports(report([timer, server, socket]), report([movedTimer, renamedServer, heap]));
    expect(diff.new.map((f) => f.id)).toEqual([heap.id]);
    expect(diff.fixed.map((f) => f.id)).toEqual([socket.id]);
    expect(diff.unchanged.map((u) => [u.before.id, u.after.id])).toEqual([
      [timer.id, movedTimer.id],
      [server.id, renamedServer.id],
    ]);
    const text = renderDiff(diff, 'text', { a: 'a.json', b: 'b.json' });
    expect(text).toMatch(/^leakwatch diff a\.json -> b\.json: 1 new, 1 fixed, 2 unchanged\n/);
    expect(text).toContain(`  + [warn] heap growth in "c" at test/b/c.test.ts:6:3 (id ${heap.id})`);
    expect(text).toContain(`  - [fail] socket in "c" at test/b/c.test.ts:5:3 (id ${socket.id})`);
    const json = JSON.parse(renderDiff(diff, 'json'));
    expect(json.summary).toEqual({ new: 1, fixed: 1, unchanged: 2 });
    expect(json.new[0].id).toBe(heap.id);
  });
});

describe('baseline ratchet', () => {
  const baseline = JSON.parse(renderBaseline([timer, server, socket])) as Baseline;

  test('checkBaseline: ok only when every finding is known and every entry still occurs', () => {
    expect(checkBaseline([timer, server, socket], baseline)).toEqual({ unbaselined: [], stale: [], ok: true });
    const check = checkBaseline([timer, heap], baseline);
    expect(check.ok).toBe(false);
    expect(check.unbaselined.map((f) => f.id)).toEqual([heap.id]);
    expect(check.stale.map((e) => e.id).sort()).toEqual([server.id, socket.id].sort());
  });

  test('pruneBaseline removes what no longer occurs, never adds, refreshes moved entries and keeps notes', () => {
    const noted: Baseline = {
      version: 1,
      entries: baseline.entries.map((e) => (e.id === timer.id ? { ...e, message: 'JIRA-1' } : e)),
    };
    const movedTimer = finding('timer', 'test/a.test.ts', ['a', 'polls'], 11);
    const pruned = pruneBaseline(noted, [movedTimer, socket, heap]);
    expect(pruned.removed.map((e) => e.id)).toEqual([server.id]);
    expect(pruned.unbaselined.map((f) => f.id)).toEqual([heap.id]);
    expect(pruned.baseline.entries).toEqual([
      {
        id: movedTimer.id,
        kind: 'timer',
        file: 'test/a.test.ts',
        test: ['a', 'polls'],
        site: movedTimer.site,
        message: 'JIRA-1',
      },
      { id: socket.id, kind: 'socket', file: 'test/b/c.test.ts', test: ['c'], site: socket.site },
    ]);
  });

  test('renderBaselineFrom is renderBaseline, plus the notes of entries that still match', () => {
    expect(renderBaselineFrom([server, timer])).toBe(renderBaseline([server, timer]));
    const noted: Baseline = { version: 1, entries: baseline.entries.map((e) => ({ ...e, message: `note ${e.kind}` })) };
    const parsed = JSON.parse(renderBaselineFrom([server, heap], noted)) as Baseline;
    expect(parsed.entries.map((e) => [e.kind, e.message])).toEqual([
      ['server', 'note server'],
      ['heap', undefined],
    ]);
  });
});

describe('report filters and formats', () => {
  const r = report([timer, server, socket, heap]);

  test('filterReport by kinds and globs (a bare name matches the base name), summary counted again', () => {
    expect(filterReport(r, {})).toBe(r);
    const timers = filterReport(r, { kinds: ['timer', 'heap'] });
    expect(timers.findings.map((f) => f.kind)).toEqual(['timer', 'heap']);
    expect(timers.summary).toMatchObject({ findings: 2, failing: 1, warning: 1 });
    expect(filterReport(r, { files: ['test/b/**'] }).findings.map((f) => f.kind)).toEqual(['socket', 'heap']);
    expect(filterReport(r, { files: ['a.test.ts'] }).findings.map((f) => f.kind)).toEqual(['timer', 'server']);
    expect(filterReport(r, { kinds: ['socket'], files: ['test/a.test.ts'] }).summary.findings).toBe(0);
  });

  test('formatReport renders each format', () => {
    expect(JSON.parse(formatReport(r, 'json', { root: dir })).findings).toHaveLength(4);
    expect(formatReport(r, 'junit', { root: dir })).toMatch(/^<\?xml/);
    expect(formatReport(r, 'markdown', { root: dir })).toContain('### leakwatch: 3 failing, 1 warning');
    expect(formatReport(r, 'text', { root: dir })).toContain('test/a.test.ts:10:3');
    expect(formatReport(report([]), 'text', { root: dir })).toBe('leakwatch: no leaks found (0 files, 0 tests)\n');
  });

  test("junit is rendered with the run's own junit option, from the report's policy", () => {
    const files = [{ file: 'test/a.test.ts', tests: [{ titlePath: ['a', 'polls'], state: 'passed' as const }] }];
    const withFiles = (fileAttributes: boolean) =>
      formatReport({ ...r, files, policy: { ...r.policy, junit: { fileAttributes } } }, 'junit', { root: dir });
    expect(withFiles(true)).toMatch(
      /<testcase name="a &gt; polls" classname="test\/a.test.ts"[^>]* file="test\/a.test.ts"/,
    );
    expect(withFiles(false)).not.toMatch(/<testcase[^>]* file=/);
    // A report written before the option existed: the default.
    const { junit: _, ...older } = r.policy as typeof r.policy & { junit?: unknown };
    expect(formatReport({ ...r, files, policy: older as typeof r.policy }, 'junit', { root: dir })).not.toMatch(
      /<testcase[^>]* file=/,
    );
  });
});

describe('loadReport', () => {
  const write = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  test('reads a report written by renderJson', () => {
    const p = write('ok.json', renderJson(report([timer])));
    expect(loadReport(p).findings[0]!.id).toBe(timer.id);
  });

  test.each([
    [
      'missing.json',
      undefined,
      /the report file .*missing\.json does not exist\. Fix: run the tests with a JSON report/,
    ],
    ['empty.json', '', /is empty: it may be half-written/],
    ['half.json', renderJson(report([timer])).slice(0, 80), /is not valid JSON .*half-written/],
    ['array.json', '[]', /is not a leakwatch JSON report: expected an object, received an array/],
    [
      'v2.json',
      JSON.stringify({ ...report([]), version: 2 }),
      /is not a leakwatch JSON report \(version 1\): "version": expected 1, received 2/,
    ],
    ['bad-kind.json', JSON.stringify(report([{ ...timer, kind: 'timers' as Kind }])), /"findings\.0\.kind": expected/],
    ['baseline.json', renderBaseline([timer]), /is a baseline file, not a JSON report/],
  ])('%s: throws naming the file', (name, content, why) => {
    const p = content === undefined ? path.join(dir, name) : write(name, content);
    expect(() => loadReport(p)).toThrow(LeakwatchConfigError);
    expect(() => loadReport(p)).toThrow(why);
    expect(() => loadReport(p)).toThrow(p);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  LeakwatchConfigError,
  findingId,
  loadBaseline,
  matchBaseline,
  renderBaseline,
  writeBaseline,
  type Baseline,
  type BaselineEntry,
  type Finding,
  type Kind,
} from '@leakwatch/core/adapter';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-baseline-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(name: string, content?: string): string {
  const p = path.join(dir, `${n++}-${name}`);
  if (content !== undefined) fs.writeFileSync(p, content);
  return p;
}

/** A finding as a run reports it, with run-specific fields that must never reach the baseline. */
function finding(
  kind: Kind,
  test: string[] | null,
  line: number | null,
  opts: { file?: string; column?: number; siteFile?: string } = {},
): Finding {
  const testFile = opts.file ?? 'test/api.test.ts';
  const site = line === null ? null : { file: opts.siteFile ?? testFile, line, column: opts.column ?? 5 };
  return {
    id: findingId(kind, testFile, test, site),
    kind,
    scope: 'file',
    action: 'fail',
    file: testFile,
    test,
    site,
    message: `A ${kind} is still open (address: 127.0.0.1:${40000 + line!}, pid ${1000 + n}).`,
    count: 3,
    bytes: 123456,
    stack: ['at x (test/api.test.ts:1:1)'],
    details: { pid: 4242, port: 39211, fd: 17 },
  };
}

const entry = (f: Finding, patch: Partial<BaselineEntry> = {}): BaselineEntry => ({
  id: f.id,
  kind: f.kind,
  file: f.file,
  test: f.test,
  site: f.site,
  ...patch,
});
const baseline = (...entries: BaselineEntry[]): Baseline => ({ version: 1, entries });

describe('loadBaseline', () => {
  test('undefined when the file does not exist', () => {
    expect(loadBaseline(path.join(dir, 'nope', 'leakwatch-baseline.json'))).toBeUndefined();
  });

  test('reads what writeBaseline wrote', () => {
    const p = file('leakwatch-baseline.json');
    const findings = [finding('timer', ['a', 'b'], 10), finding('server', null, 3), finding('global', ['g'], null)];
    writeBaseline(p, findings);
    const loaded = loadBaseline(p)!;
    expect(loaded.version).toBe(1);
    expect(loaded.entries.map((e) => e.id).sort()).toEqual(findings.map((f) => f.id).sort());
    expect(matchBaseline(findings, loaded)).toMatchObject({ baselined: new Set(findings.map((f) => f.id)), stale: [] });
    // Atomic: no temp file left next to it.
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('keeps a note (message) on an entry', () => {
    const f = finding('timer', ['t'], 1);
    const p = file(
      'noted.json',
      JSON.stringify(baseline(entry(f, { message: 'JIRA-12: the pool is closed by globalTeardown' }))),
    );
    expect(loadBaseline(p)!.entries[0]!.message).toBe('JIRA-12: the pool is closed by globalTeardown');
  });

  const corrupt: Array<[string, string, RegExp]> = [
    ['empty', '', /is empty \(half-written\?\)/],
    ['whitespace only', '  \n', /is empty/],
    [
      'half-written',
      renderBaseline([finding('timer', ['a'], 1), finding('server', ['b'], 2)]).slice(0, 120),
      /is not valid JSON .*half-written/,
    ],
    ['not JSON', 'entries: []', /is not valid JSON/],
    [
      'merge conflict',
      '{\n<<<<<<< HEAD\n  "version": 1,\n=======\n  "version": 1,\n>>>>>>> main\n}\n',
      /has merge conflict markers/,
    ],
    ['an array', '[]', /is not a leakwatch baseline: expected an object .*received an array/],
    ['an empty object', '{}', /is not a leakwatch baseline: "version" is missing/],
    ['null', 'null', /is not a leakwatch baseline/],
    ['no entries', '{"version":1}', /is not a leakwatch baseline: "entries" is missing/],
    ['a report instead', JSON.stringify({ version: 1, runner: 'vitest', findings: [] }), /is not a leakwatch baseline/],
    ['another version', '{"version":2,"entries":[]}', /has version 2, and this leakwatch reads version 1/],
    [
      'a bad kind',
      JSON.stringify(baseline({ ...entry(finding('timer', null, 1)), kind: 'timers' as Kind })),
      /"entries\.0\.kind"/,
    ],
    [
      'a bad line',
      JSON.stringify(baseline(entry(finding('timer', null, 1), { site: { file: 'a.ts', line: 0, column: 1 } }))),
      /"entries\.0\.site\.line"/,
    ],
    [
      'a missing id',
      JSON.stringify({ version: 1, entries: [{ kind: 'timer', file: 'a.ts', test: null, site: null }] }),
      /"entries\.0\.id" is missing/,
    ],
    [
      'an unknown key',
      JSON.stringify({ version: 1, entries: [{ ...entry(finding('timer', null, 1)), count: 3 }] }),
      /unknown key "entries\.0\.count"/,
    ],
  ];
  test.each(corrupt)('%s: throws naming the file and the fix, never reads it as empty', (_name, content, why) => {
    const p = file('leakwatch-baseline.json', content);
    let error: unknown;
    try {
      loadBaseline(p);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LeakwatchConfigError);
    const message = (error as Error).message;
    expect(message).toContain(p);
    expect(message).toMatch(why);
    // A newer leakwatch wrote it: the file is fine, and the fix is to upgrade.
    expect(message).toMatch(
      _name === 'another version'
        ? /Fix: upgrade leakwatch/
        : /Fix: restore it from version control .*npx leakwatch baseline/,
    );
  });

  test('an unreadable path (a directory) throws naming it', () => {
    const p = file('a-directory');
    fs.mkdirSync(p);
    expect(() => loadBaseline(p)).toThrow(LeakwatchConfigError);
    expect(() => loadBaseline(p)).toThrow(
      new RegExp(`cannot read the baseline file ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(EISDIR\\)\\. Fix:`),
    );
  });
});

describe('matchBaseline', () => {
  test('by id; unmatched entries are stale, unmatched findings are not baselined', () => {
    const kept = finding('timer', ['a'], 10);
    const fixed = finding('server', ['b'], 20);
    const fresh = finding('socket', ['c'], 30);
    const result = matchBaseline([kept, fresh], baseline(entry(kept), entry(fixed)));
    expect([...result.baselined]).toEqual([kept.id]);
    expect(result.stale).toEqual([entry(fixed)]);
  });

  test('the line moved: same kind, file, test and site file, the nearest line wins', () => {
    const before = finding('timer', ['suite', 'polls'], 10);
    const moved = finding('timer', ['suite', 'polls'], 14);
    const far = finding('timer', ['suite', 'polls'], 40);
    expect(moved.id).not.toBe(before.id);
    const result = matchBaseline([far, moved], baseline(entry(before)));
    expect([...result.baselined]).toEqual([moved.id]);
    expect(result.stale).toEqual([]);
  });

  test('two leaks of one test that both moved are paired by distance, one finding each', () => {
    const a = finding('timer', ['t'], 10);
    const b = finding('timer', ['t'], 20);
    const a2 = finding('timer', ['t'], 13);
    const b2 = finding('timer', ['t'], 23);
    const result = matchBaseline([b2, a2], baseline(entry(a), entry(b)));
    expect(result.baselined).toEqual(new Set([a2.id, b2.id]));
    expect(result.stale).toEqual([]);
  });

  test('the test was renamed: same kind, file and site file:line:column', () => {
    const before = finding('server', ['notes API', 'creates a note'], 14, { column: 12 });
    const renamed = finding('server', ['notes API', 'creates one note'], 14, { column: 12 });
    const result = matchBaseline([renamed], baseline(entry(before)));
    expect([...result.baselined]).toEqual([renamed.id]);
    expect(result.stale).toEqual([]);
  });

  test('no fallback across kinds, test files, site files, or a rename plus a move, or without a site', () => {
    const before = finding('timer', ['t'], 10, { siteFile: 'src/poll.ts' });
    const others = [
      finding('socket', ['t'], 10, { siteFile: 'src/poll.ts' }),
      finding('timer', ['t'], 10, { siteFile: 'src/poll.ts', file: 'test/other.test.ts' }),
      finding('timer', ['t'], 11, { siteFile: 'src/other.ts' }),
      finding('timer', ['renamed'], 12, { siteFile: 'src/poll.ts' }),
    ];
    expect(matchBaseline(others, baseline(entry(before)))).toEqual({
      baselined: new Set(),
      stale: [entry(before)],
      matched: [],
    });
    const noSite = finding('global', ['t'], null);
    const renamedNoSite = finding('global', ['u'], null);
    expect(matchBaseline([renamedNoSite], baseline(entry(noSite))).stale).toEqual([entry(noSite)]);
  });

  test('each entry matches at most one finding: a second leak at the same place is new', () => {
    // The same helper line reached from three tests; the baseline knows two of them.
    const helper = { siteFile: 'test/helpers.ts' };
    const t1 = finding('server', ['one'], 7, helper);
    const t2 = finding('server', ['two'], 7, helper);
    const t3 = finding('server', ['three'], 7, helper);
    const result = matchBaseline([t1, t2, t3], baseline(entry(t1), entry(t2)));
    expect(result.baselined).toEqual(new Set([t1.id, t2.id]));
    // Once t1 and t2 are matched by id, a rename has nothing left to claim; a stale third entry is claimed once.
    const gone = finding('server', ['gone'], 7, helper);
    const again = matchBaseline([t1, t3], baseline(entry(t1), entry(gone), entry(gone)));
    expect(again.baselined).toEqual(new Set([t1.id, t3.id]));
    expect(again.stale).toEqual([entry(gone)]);
  });

  test('count does not matter: one entry covers a finding of 5000 timers', () => {
    const f = { ...finding('timer', ['t'], 3), count: 5000 };
    expect(matchBaseline([f], baseline(entry(f))).baselined.has(f.id)).toBe(true);
  });
});

describe('renderBaseline', () => {
  const findings = [
    finding('timer', ['b'], 30, { file: 'test/b.test.ts' }),
    finding('server', ['a'], 12, { file: 'test/a.test.ts' }),
    finding('timer', ['a'], 5, { file: 'test/a.test.ts' }),
    finding('global', ['a'], null, { file: 'test/a.test.ts' }),
    finding('socket', ['a'], 12, { file: 'test/a.test.ts', column: 2 }),
  ];

  test('sorted by file, line, column and kind, whatever the input order', () => {
    const text = renderBaseline(findings);
    expect(renderBaseline([...findings].reverse())).toBe(text);
    expect(renderBaseline([findings[2]!, findings[0]!, findings[4]!, findings[1]!, findings[3]!])).toBe(text);
    const entries = (JSON.parse(text) as Baseline).entries;
    expect(entries.map((e) => `${e.file}:${e.site?.line ?? 0}:${e.site?.column ?? 0} ${e.kind}`)).toEqual([
      'test/a.test.ts:0:0 global',
      'test/a.test.ts:5:5 timer',
      'test/a.test.ts:12:2 socket',
      'test/a.test.ts:12:5 server',
      'test/b.test.ts:30:5 timer',
    ]);
  });

  test('in code-unit order, the same under every locale: capitals before lower case, as git sorts paths', () => {
    const mixed = [
      finding('timer', ['a'], 1, { file: 'test/a.test.ts' }),
      finding('timer', ['b'], 1, { file: 'test/B.test.ts' }),
      finding('timer', ['c'], 1, { file: 'test/\u00e9t\u00e9.test.ts' }),
    ];
    const files = (JSON.parse(renderBaseline(mixed)) as Baseline).entries.map((e) => e.file);
    expect(files).toEqual(['test/B.test.ts', 'test/a.test.ts', 'test/\u00e9t\u00e9.test.ts']);
  });

  test('one entry per finding, identity only: no pids, ports, fds, counts, bytes, messages or timestamps', () => {
    const text = renderBaseline(findings);
    const parsed = JSON.parse(text) as Baseline;
    expect(Object.keys(parsed)).toEqual(['version', 'entries']);
    expect(parsed.entries).toHaveLength(findings.length);
    for (const e of parsed.entries) expect(Object.keys(e)).toEqual(['id', 'kind', 'file', 'test', 'site']);
    expect(text).not.toMatch(/count|bytes|message|details|stack|pid|port|action|scope|127\.0\.0\.1|4242|39211/);
  });

  test('diff-friendly: 2-space indent, trailing newline, byte-identical across runs', () => {
    const text = renderBaseline(findings);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "version": 1,');
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    // A second run: other pids, ports, counts and messages; the same file.
    const rerun = findings.map((f) => ({ ...f, count: 1, message: 'other', details: { pid: 1 }, bytes: 1 }));
    expect(renderBaseline(rerun)).toBe(text);
    expect(renderBaseline([])).toBe('{\n  "version": 1,\n  "entries": []\n}\n');
  });

  test('writeBaseline writes renderBaseline, creating the directory', () => {
    const p = path.join(dir, 'nested', 'deeper', 'leakwatch-baseline.json');
    writeBaseline(p, findings);
    expect(fs.readFileSync(p, 'utf8')).toBe(renderBaseline(findings));
  });
});

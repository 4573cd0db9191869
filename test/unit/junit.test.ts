import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Finding } from '../../packages/core/src/finding.js';
import { renderJunit } from '../../packages/core/src/report/junit.js';
import type { FileInfo, LeakReport } from '../../packages/core/src/report/model.js';
import { expectJunitValid, parseJunit } from '../integration/helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-junit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const API = 'test/api.test.ts';
const DB = 'test/db.test.ts';

let ids = 0;
function finding(extra: Partial<Finding> & Pick<Finding, 'kind' | 'file' | 'test'>): Finding {
  return {
    id: `finding-${++ids}`,
    scope: 'file',
    action: 'fail',
    site: { file: extra.file, line: 12, column: 5 },
    message: `A ${extra.kind} is still open`,
    count: 1,
    ...extra,
  };
}

function report(files: FileInfo[], findings: Finding[]): LeakReport {
  return {
    version: 1,
    runner: 'vitest',
    node: process.version,
    startedAt: '2025-01-02T03:04:05.678Z',
    durationMs: 4321,
    // The JUnit writer never reads the policy.
    policy: {} as LeakReport['policy'],
    summary: {
      files: files.length,
      tests: 0,
      findings: findings.length,
      failing: 0,
      warning: 0,
      baselined: 0,
      fileErrors: files.filter((f) => f.error !== undefined).length,
      complete: true,
    },
    findings,
    files,
    errors: [],
  };
}

let written = 0;
/** Renders the report to a file in the temp dir, and checks it against the JUnit 10 schema with xmllint. */
function render(r: LeakReport): { file: string; xml: string } {
  const xml = renderJunit(r);
  const file = path.join(dir, `junit-${++written}.xml`);
  fs.writeFileSync(file, xml);
  expectJunitValid(file);
  return { file, xml };
}

/** A value as an XML parser (libxml2) reads it back: entities decoded, the text as a reader of the report sees it. */
function xpath(file: string, expression: string): string {
  const result = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.replace(/\n$/, '');
}

describe('renderJunit', () => {
  test('one testsuite per file, in the report’s order, then files only findings name; counts and times', () => {
    const files: FileInfo[] = [
      {
        file: DB,
        durationMs: 1500,
        tests: [
          { titlePath: ['db', 'connects'], state: 'passed', durationMs: 20 },
          { titlePath: ['db', 'later'], state: 'skipped' },
        ],
      },
      { file: API, durationMs: 250, tests: [{ titlePath: ['api', 'polls'], state: 'failed', durationMs: 7 }] },
    ];
    const orphan = 'test/gone.test.ts';
    const { file } = render(
      report(files, [
        finding({ kind: 'timer', file: API, test: ['api', 'polls'] }),
        finding({ kind: 'socket', file: orphan, test: null }),
      ]),
    );
    const suites = parseJunit(file);
    expect(suites.map((s) => s.attrs.name)).toEqual([DB, API, orphan]);
    expect(suites.map((s) => s.attrs.file)).toEqual([DB, API, orphan]);
    expect(suites[0]!.attrs).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '1', time: '1.500' });
    expect(suites[0]!.attrs.timestamp).toBe('2025-01-02T03:04:05.678Z');
    expect(suites[1]!.attrs).toMatchObject({ tests: '1', failures: '1', skipped: '0', time: '0.250' });
    // A file the runner did not list: only its findings' testcase, no time known.
    expect(suites[2]!.attrs).toMatchObject({ tests: '1', failures: '1', time: '0.000' });
    expect(suites[2]!.cases.map((c) => c.name)).toEqual(['leakwatch: leaks outside any test']);
    expect(suites[0]!.cases.map((c) => [c.name, c.classname, c.skipped])).toEqual([
      ['db > connects', DB, false],
      ['db > later', DB, true],
    ]);
    expect(xpath(file, "string(//testcase[@name='db > connects']/@time)")).toBe('0.020');
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('4');
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('2');
    expect(xpath(file, 'string(/testsuites/@time)')).toBe('4.321');
    expect(xpath(file, 'string(/testsuites/@name)')).toBe('leakwatch (vitest)');
    expect(xpath(file, "string(//testsuite[@name='test/api.test.ts']/properties/property/@value)")).toBe('1');
    expect(xpath(file, "string(//testsuite[@name='test/db.test.ts']/properties/property/@value)")).toBe('0');
  });

  test('a failing finding is the <failure> of its test; a clean test has no body', () => {
    const tests = [
      { titlePath: ['api', 'polls'], state: 'passed' as const },
      { titlePath: ['api', 'clean'], state: 'passed' as const },
    ];
    const timer = finding({ kind: 'timer', file: API, test: ['api', 'polls'], message: 'A timer is still open' });
    const { file, xml } = render(report([{ file: API, tests }], [timer]));
    const [suite] = parseJunit(file);
    const [polls, clean] = suite!.cases;
    expect(polls!.failures).toEqual([{ type: 'leakwatch.timer', message: 'A timer is still open' }]);
    expect(polls!.systemOut).toBeUndefined();
    const text = xpath(file, "string(//testcase[@name='api > polls']/failure)");
    expect(text).toBe(`[fail] timer at ${API}:12:5\nA timer is still open`);
    expect(clean!.failures).toEqual([]);
    expect(xml).toContain(`<testcase name="api &gt; clean" classname="${API}" time="0.000"/>`);
  });

  test('several failing findings of one test make one <failure> listing them all, with the stacks', () => {
    const test = ['api', 'polls'];
    const { file } = render(
      report(
        [{ file: API, tests: [{ titlePath: test, state: 'passed' }] }],
        [
          finding({ kind: 'timer', file: API, test, stack: ['poll (test/api.test.ts:12:5)'] }),
          finding({ kind: 'socket', file: API, test, site: null, message: 'A socket is still open' }),
        ],
      ),
    );
    const [c] = parseJunit(file)[0]!.cases;
    expect(c!.failures).toEqual([{ type: 'leakwatch', message: '2 leaks: timer, socket' }]);
    expect(xpath(file, 'count(//failure)')).toBe('1');
    expect(xpath(file, 'string(//failure)')).toBe(
      [
        `[fail] timer at ${API}:12:5`,
        'A timer is still open',
        '    at poll (test/api.test.ts:12:5)',
        '',
        '[fail] socket at (unknown site)',
        'A socket is still open',
      ].join('\n'),
    );
  });

  test('warnings and baselined findings go to <system-out>, never a failure; the suite counts only failing tests', () => {
    const tests = [
      { titlePath: ['warns'], state: 'passed' as const },
      { titlePath: ['known'], state: 'passed' as const },
      { titlePath: ['both'], state: 'passed' as const },
    ];
    const { file } = render(
      report(
        [{ file: API, tests }],
        [
          finding({ kind: 'listener', file: API, test: ['warns'], action: 'warn', message: 'A listener was added' }),
          finding({ kind: 'timer', file: API, test: ['known'], baselined: true }),
          finding({ kind: 'socket', file: API, test: ['both'] }),
          finding({ kind: 'heap', file: API, test: ['both'], action: 'warn', message: 'The heap grew' }),
        ],
      ),
    );
    const [suite] = parseJunit(file);
    const byName = Object.fromEntries(suite!.cases.map((c) => [c.name, c]));
    expect(suite!.attrs.failures).toBe('1');
    expect(byName.warns!.failures).toEqual([]);
    expect(xpath(file, "string(//testcase[@name='warns']/system-out)")).toBe(
      `leakwatch warning\n[warn] process listener at ${API}:12:5\nA listener was added`,
    );
    expect(byName.known!.failures).toEqual([]);
    expect(xpath(file, "string(//testcase[@name='known']/system-out)")).toBe(
      `leakwatch known leak (baseline)\n[fail] timer at ${API}:12:5\nA timer is still open`,
    );
    expect(byName.both!.failures).toEqual([{ type: 'leakwatch.socket', message: 'A socket is still open' }]);
    expect(xpath(file, "string(//testcase[@name='both']/system-out)")).toBe(
      `leakwatch warning\n[warn] heap growth at ${API}:12:5\nThe heap grew`,
    );
  });

  test('findings outside any test, or of a test the runner did not list, share one extra testcase', () => {
    const { file } = render(
      report(
        [{ file: API, tests: [{ titlePath: ['listed'], state: 'passed' }] }],
        [
          finding({ kind: 'timer', file: API, test: null }),
          finding({ kind: 'socket', file: API, test: ['not', 'listed'] }),
          finding({ kind: 'listener', file: API, test: null, action: 'warn' }),
        ],
      ),
    );
    const [suite] = parseJunit(file);
    expect(suite!.cases.map((c) => c.name)).toEqual(['listed', 'leakwatch: leaks outside any test']);
    const outside = suite!.cases[1]!;
    expect(outside.failures).toEqual([{ type: 'leakwatch', message: '2 leaks: timer, socket' }]);
    expect(outside.systemOut).toContain('leakwatch warning');
    expect(suite!.attrs).toMatchObject({ tests: '2', failures: '1' });
  });

  test('a warning outside any test makes the extra testcase, without counting a failure', () => {
    const { file } = render(
      report([{ file: API, tests: [] }], [finding({ kind: 'timer', file: API, test: null, action: 'warn' })]),
    );
    const [suite] = parseJunit(file);
    expect(suite!.attrs).toMatchObject({ tests: '1', failures: '0' });
    expect(suite!.cases[0]!.failures).toEqual([]);
  });

  test('no files, no findings: an empty <testsuites>, still valid', () => {
    const { file } = render(report([], []));
    expect(parseJunit(file)).toEqual([]);
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('0');
  });
});

/** Code points outside XML 1.0's Char production (a lone surrogate is iterated as one code point of its own). */
function notXml(text: string): string[] {
  const allowed = (cp: number) =>
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
  return [...text].filter((ch) => !allowed(ch.codePointAt(0)!)).map((ch) => `U+${ch.codePointAt(0)!.toString(16)}`);
}

describe('renderJunit: text XML cannot carry as is', () => {
  const special = `a & b < c > d "e" 'f'`;

  test('& < > " \' are escaped in attributes and text, and read back unchanged by an XML parser', () => {
    const file = 'test/q&a <"it\'s">.test.ts';
    const title = [`describe ${special}`, 'it <works>'];
    const { file: out, xml } = render(
      report(
        [{ file, tests: [{ titlePath: title, state: 'passed' }] }],
        [finding({ kind: 'timer', file, test: title, message: `leaked ${special}`, stack: [`fn (${special}:1:2)`] })],
      ),
    );
    // Nothing raw: every one of them is an entity in the document.
    const raw = xml.replace(/^<\?xml[^>]*\?>/, '').replace(/<\/?[\w-]+(?:\s+[\w.:-]+="[^"<>]*")*\s*\/?>/g, '');
    expect(raw).not.toMatch(/[<>"']|&(?!(?:amp|lt|gt|quot|apos);)/);
    expect(xpath(out, 'string(//testsuite/@name)')).toBe(file);
    expect(xpath(out, 'string(//testsuite/@file)')).toBe(file);
    expect(xpath(out, 'string(//testcase/@name)')).toBe(title.join(' > '));
    expect(xpath(out, 'string(//testcase/@classname)')).toBe(file);
    expect(xpath(out, 'string(//failure/@message)')).toBe(`leaked ${special}`);
    expect(xpath(out, 'string(//failure)')).toBe(
      `[fail] timer at ${file}:12:5\nleaked ${special}\n    at fn (${special}:1:2)`,
    );
  });

  test('characters XML 1.0 cannot carry (NUL, ANSI escapes, lone surrogates, U+FFFE) are dropped; the rest kept', () => {
    const message = 'nul\u0000 \u001b[31mred\u001b[0m lone\uD800 low\uDC00 bad\uFFFE tab\tok 😀 é \uE000';
    const title = ['colours \u001b[1mbold\u001b[22m', 'bell\u0007'];
    const { file, xml } = render(
      report(
        [{ file: API, tests: [{ titlePath: title, state: 'passed' }] }],
        [
          finding({ kind: 'timer', file: API, test: title, message }),
          finding({ kind: 'socket', file: API, test: title, action: 'warn', message }),
        ],
      ),
    );
    // None of them survive anywhere in the document.
    expect(notXml(xml)).toEqual([]);
    const kept = 'nul [31mred[0m lone low bad tab\tok 😀 é \uE000';
    // In an attribute a parser normalises the tab to a space (XML attribute-value normalisation): written raw, as
    // the runners' own JUnit reporters write it, so names and messages read the same in both reports.
    expect(xpath(file, 'string(//failure/@message)')).toBe(kept.replace('\t', ' '));
    expect(xpath(file, 'string(//failure)')).toBe(`[fail] timer at ${API}:12:5\n${kept}`);
    expect(xpath(file, 'string(//system-out)')).toBe(`leakwatch warning\n[warn] socket at ${API}:12:5\n${kept}`);
    expect(xpath(file, 'string(//testcase/@name)')).toBe('colours [1mbold[22m > bell');
  });
});

describe('files that did not finish, runs that did not finish', () => {
  test('a file whose worker was killed: an <error> testcase with the cause, counted in errors', () => {
    const cause = 'A jest worker process (pid=4242) was terminated by another process: signal=SIGKILL, exitCode=null.';
    const { file } = render(
      report(
        [
          { file: API, tests: [{ titlePath: ['runs'], state: 'passed' }], error: cause },
          { file: DB, tests: [{ titlePath: ['fine'], state: 'passed' }] },
        ],
        [],
      ),
    );
    const suites = parseJunit(file);
    const api = suites.find((s) => s.attrs.name === API)!;
    expect(api.attrs).toMatchObject({ tests: '2', errors: '1', failures: '0' });
    expect(api.cases.map((c) => c.name)).toEqual(['runs', 'leakwatch: test file did not finish']);
    expect(api.cases[1]!.errors).toEqual([{ type: 'leakwatch.file-error', message: cause }]);
    expect(suites.find((s) => s.attrs.name === DB)!.attrs.errors).toBe('0');
    expect(xpath(file, 'string(/testsuites/@errors)')).toBe('1');
    expect(xpath(file, 'count(//property[@name="leakwatch.complete"])')).toBe('0');
  });

  test('an incomplete run: a property on every suite and a suite of its own with the error', () => {
    const r = report([{ file: API, tests: [{ titlePath: ['runs'], state: 'passed' }] }], []);
    r.summary.complete = false;
    r.interrupted = 'SIGTERM';
    const { file } = render(r);
    const suites = parseJunit(file);
    expect(suites.map((s) => s.attrs.name)).toEqual([API, 'leakwatch']);
    expect(xpath(file, 'count(//testsuite/properties/property[@name="leakwatch.complete"][@value="false"])')).toBe('2');
    expect(suites[1]!.cases.flatMap((c) => c.errors)).toEqual([
      {
        type: 'leakwatch.incomplete',
        message: 'the run did not finish (SIGTERM): only the files that finished are in this report',
      },
    ]);
    expect(xpath(file, 'string(/testsuites/@errors)')).toBe('1');
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('2');
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Finding } from '../../packages/core/src/finding.js';
import { renderJunit, RUNNER_FAILED, TEST_FAILED } from '../../packages/core/src/report/junit.js';
import type { FileInfo, LeakReport } from '../../packages/core/src/report/model.js';
import { expectJunitValid, JUNIT_XSD, parseJunit } from '../integration/helpers.js';

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
  const out = write(renderJunit(r));
  expectJunitValid(out.file);
  return out;
}

function write(xml: string): { file: string; xml: string } {
  const file = path.join(dir, `junit-${++written}.xml`);
  fs.writeFileSync(file, xml);
  return { file, xml };
}

/** A value as an XML parser (libxml2) reads it back: entities decoded, the text as a reader of the report sees it. */
function xpath(file: string, expression: string): string {
  const result = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.replace(/\n$/, '');
}

describe('renderJunit', () => {
  test('one testsuite per file, in the report’s order, then the leakwatch suite; counts and times', () => {
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
    expect(suites.map((s) => s.attrs.name)).toEqual([DB, API, 'leakwatch']);
    expect(suites.map((s) => s.attrs.file)).toEqual([DB, API, undefined]);
    expect(suites[0]!.attrs).toMatchObject({ tests: '2', failures: '0', errors: '0', skipped: '1', time: '1.500' });
    expect(suites[0]!.attrs.timestamp).toBe('2025-01-02T03:04:05.678Z');
    expect(suites[1]!.attrs).toMatchObject({ tests: '1', failures: '1', skipped: '0', time: '0.250' });
    // A file the runner did not list: its findings' testcase is in the leakwatch suite, no time known.
    expect(suites[2]!.attrs).toMatchObject({ tests: '1', failures: '1', errors: '0', skipped: '0', time: '0.000' });
    expect(suites[2]!.cases.map((c) => [c.name, c.classname])).toEqual([
      ['test/gone.test.ts: leaks outside any test', orphan],
    ]);
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
    expect(xpath(file, "string(//testsuite[@name='leakwatch']/properties/property/@value)")).toBe('1');
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
    expect(text).toBe(`    at timer (${API}:12:5)\n[fail] timer\nA timer is still open`);
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
        `    at timer (${API}:12:5)`,
        '[fail] timer',
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
      `leakwatch warning\n    at process listener (${API}:12:5)\n[warn] process listener\nA listener was added`,
    );
    expect(byName.known!.failures).toEqual([]);
    expect(xpath(file, "string(//testcase[@name='known']/system-out)")).toBe(
      `leakwatch known leak (baseline)\n    at timer (${API}:12:5)\n[fail] timer\nA timer is still open`,
    );
    expect(byName.both!.failures).toEqual([{ type: 'leakwatch.socket', message: 'A socket is still open' }]);
    expect(xpath(file, "string(//testcase[@name='both']/system-out)")).toBe(
      `leakwatch warning\n    at heap growth (${API}:12:5)\n[warn] heap growth\nThe heap grew`,
    );
  });

  test('findings outside any test, or of a test the runner did not list, go to the leakwatch suite, one testcase each', () => {
    const { file } = render(
      report(
        [
          { file: API, tests: [{ titlePath: ['listed'], state: 'passed' }] },
          { file: DB, tests: [{ titlePath: ['listed'], state: 'passed' }] },
        ],
        [
          finding({ kind: 'timer', file: API, test: null }),
          finding({ kind: 'socket', file: API, test: ['not', 'listed'] }),
          finding({ kind: 'listener', file: API, test: null, action: 'warn' }),
          finding({ kind: 'server', file: DB, test: null }),
        ],
      ),
    );
    const suites = parseJunit(file);
    expect(suites.map((s) => s.attrs.name)).toEqual([API, DB, 'leakwatch']);
    // The files' own suites hold only their tests, none of which leaked.
    for (const suite of suites.slice(0, 2)) {
      expect(suite.cases.map((c) => c.name)).toEqual(['listed']);
      expect(suite.attrs).toMatchObject({ tests: '1', failures: '0' });
    }
    const extra = suites[2]!;
    // Unique names (JUnit readers key testcases by name), each case named by its file and classed under it.
    expect(extra.cases.map((c) => [c.name, c.classname])).toEqual([
      [`${API}: leaks outside any test`, API],
      [`${API} > not > listed`, API],
      [`${DB}: leaks outside any test`, DB],
    ]);
    expect(extra.cases.map((c) => c.failures)).toEqual([
      [{ type: 'leakwatch.timer', message: 'A timer is still open' }],
      [{ type: 'leakwatch.socket', message: 'A socket is still open' }],
      [{ type: 'leakwatch.server', message: 'A server is still open' }],
    ]);
    expect(extra.cases[0]!.systemOut).toContain('leakwatch warning');
    expect(extra.attrs).toMatchObject({ tests: '3', failures: '3', errors: '0', skipped: '0' });
    expect(
      xpath(file, "string(//testsuite[@name='leakwatch']/properties/property[@name='leakwatch.findings']/@value)"),
    ).toBe('4');
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('5');
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('3');
  });

  test('only listed tests with their findings: no leakwatch suite at all', () => {
    const { file } = render(
      report(
        [{ file: API, tests: [{ titlePath: ['listed'], state: 'passed' }] }],
        [finding({ kind: 'timer', file: API, test: ['listed'] })],
      ),
    );
    expect(parseJunit(file).map((s) => s.attrs.name)).toEqual([API]);
  });

  test('a warning outside any test makes its testcase in the leakwatch suite, without counting a failure', () => {
    const { file } = render(
      report([{ file: API, tests: [] }], [finding({ kind: 'timer', file: API, test: null, action: 'warn' })]),
    );
    const [own, extra] = parseJunit(file);
    expect(own!.attrs).toMatchObject({ name: API, tests: '0', failures: '0' });
    expect(extra!.attrs).toMatchObject({ name: 'leakwatch', tests: '1', failures: '0' });
    expect(extra!.cases[0]!.failures).toEqual([]);
    expect(extra!.cases[0]!.systemOut).toContain('leakwatch warning');
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
      `    at timer (${file}:12:5)\n[fail] timer\nleaked ${special}\n    at fn (${special}:1:2)`,
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
    expect(xpath(file, 'string(//failure)')).toBe(`    at timer (${API}:12:5)\n[fail] timer\n${kept}`);
    expect(xpath(file, 'string(//system-out)')).toBe(
      `leakwatch warning\n    at socket (${API}:12:5)\n[warn] socket\n${kept}`,
    );
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

describe('a test the runner failed', () => {
  const tests = (...names: Array<[string, 'passed' | 'failed']>) =>
    names.map(([name, state]) => ({ titlePath: [name], state }));

  test('keeps its own failure first; its leaks follow it, and a test failed by its leak alone reads as that leak', () => {
    const { file } = render(
      report(
        [
          {
            file: API,
            tests: tests(
              ['fails and leaks', 'failed'],
              ['fails', 'failed'],
              ['fails and warns', 'failed'],
              ['failed by its leak', 'failed'],
              ['passes and leaks', 'passed'],
              ['passes', 'passed'],
            ),
          },
        ],
        [
          finding({ kind: 'timer', file: API, test: ['fails and leaks'] }),
          finding({ kind: 'listener', file: API, test: ['fails and warns'], action: 'warn', scope: 'test' }),
          // A failing test-scoped finding is thrown into its test: that LeakError may be all the runner failed.
          finding({ kind: 'listener', file: API, test: ['failed by its leak'], scope: 'test', message: 'A listener' }),
          finding({ kind: 'timer', file: API, test: ['passes and leaks'] }),
        ],
      ),
    );
    const [suite] = parseJunit(file);
    const byName = Object.fromEntries(suite!.cases.map((c) => [c.name, c]));
    expect(byName['fails and leaks']!.failures).toEqual([
      { type: 'leakwatch.test-failed', message: `${TEST_FAILED}; it also leaked: A timer is still open` },
    ]);
    expect(xpath(file, "string(//testcase[@name='fails and leaks']/failure)")).toBe(
      `${TEST_FAILED}\n\n    at timer (${API}:12:5)\n[fail] timer\nA timer is still open`,
    );
    expect(byName.fails!.failures).toEqual([{ type: 'leakwatch.test-failed', message: TEST_FAILED }]);
    expect(xpath(file, "string(//testcase[@name='fails']/failure)")).toBe(TEST_FAILED);
    expect(byName['fails and warns']!.failures).toEqual([{ type: 'leakwatch.test-failed', message: TEST_FAILED }]);
    expect(byName['fails and warns']!.systemOut).toContain('leakwatch warning');
    expect(byName['failed by its leak']!.failures).toEqual([{ type: 'leakwatch.listener', message: 'A listener' }]);
    // Whether it also failed for its own reason is the runner's to say: the text says where to look.
    expect(xpath(file, "string(//testcase[@name='failed by its leak']/failure)")).toBe(
      `    at process listener (${API}:12:5)\n[fail] process listener\nA listener\n\n${RUNNER_FAILED}`,
    );
    // The look-alikes that passed: a leak's failure alone, and no failure at all.
    expect(byName['passes and leaks']!.failures).toEqual([
      { type: 'leakwatch.timer', message: 'A timer is still open' },
    ]);
    expect(byName.passes!.failures).toEqual([]);
    expect(xpath(file, "string(//testcase[@name='passes and leaks']/failure)")).not.toContain(RUNNER_FAILED);
    expect(suite!.attrs).toMatchObject({ tests: '6', failures: '5' });
    expect(xpath(file, 'count(//failure)')).toBe('5');
    // Its own error's place is unknown here: a reader of failure texts is sent to the leak's line, not elsewhere.
    expect(dorny(xpath(file, "string(//testcase[@name='fails and leaks']/failure)"))).toBe(`${API}:12`);
    expect(dorny(xpath(file, "string(//testcase[@name='fails']/failure)"))).toBeUndefined();
  });
});

/**
 * Where dorny/test-reporter puts the annotation of a failure: the first line of its text that ends in a
 * `(path:line:col)` frame (whose path git tracks; every path here is).
 */
function dorny(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const m = /\((.*):(\d+):(\d+)\)$/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return undefined;
}

/**
 * Where mikepenz/action-junit-report puts it: `file` from the testcase, its failure or its suite (else the classname's
 * last dotted part), `line` from the testcase or its failure, else the last ` <...file...>:<line>` in the failure's
 * text, else line 1.
 */
function mikepenz(xml: string, suite: string, name: string): string {
  const at = (rest: string) => xpath(xml, `string(//testsuite[@name='${suite}']/testcase[@name='${name}']${rest})`);
  const file =
    at('/@file') ||
    at('/failure/@file') ||
    xpath(xml, `string(//testsuite[@name='${suite}']/@file)`) ||
    at('/@classname').split('.').at(-1)!;
  const line = at('/@line') || at('/failure/@line');
  if (line) return `${file}:${line}`;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const matches = at('/failure')
    .trim()
    .match(new RegExp(` [^ ]*${escaped}.*?:\\d+`, 'g'));
  return `${file}:${matches ? matches.at(-1)!.split(':').pop() : 1}`;
}

describe('junit.fileAttributes: file and line for the CI readers that need them', () => {
  const HELPER = 'src/pool.ts';
  const files: FileInfo[] = [
    {
      file: API,
      tests: [
        { titlePath: ['leaks here'], state: 'passed' },
        { titlePath: ['leaks through a helper'], state: 'passed' },
        { titlePath: ['leaks deep in a helper'], state: 'passed' },
        { titlePath: ['clean'], state: 'passed' },
        { titlePath: ['skipped'], state: 'skipped' },
      ],
      error: 'the worker was killed',
    },
  ];
  const findings = [
    finding({ kind: 'timer', file: API, test: ['leaks here'], stack: [`poll (${API}:12:5)`] }),
    finding({
      kind: 'db-connection',
      file: API,
      test: ['leaks through a helper'],
      site: { file: HELPER, line: 3, column: 7 },
      stack: [`connect (${HELPER}:3:7)`, `${API}:40:9`, `${API}:2:1`],
      message: 'A database connection is still open',
    }),
    // Made by async work whose stack no longer reaches the test file.
    finding({
      kind: 'socket',
      file: API,
      test: ['leaks deep in a helper'],
      site: { file: HELPER, line: 8, column: 3 },
      stack: [`${HELPER}:8:3`],
    }),
    finding({ kind: 'server', file: API, test: null, site: { file: API, line: 50, column: 1 } }),
  ];
  const base = () => report(files, findings);

  test('the default has none of them, is valid, and puts the creation site first in each failure', () => {
    const { file, xml } = render(base());
    expect(xml).not.toMatch(/<(?:testcase|failure)\b[^>]* (?:file|line)=/);
    expect(xpath(file, `string(//testsuite[@name='${API}']/@file)`)).toBe(API);
    const text = (name: string) => xpath(file, `string(//testcase[@name='${name}']/failure)`);
    // dorny/test-reporter: the creation site itself, in the test file or not.
    expect(dorny(text('leaks here'))).toBe(`${API}:12`);
    expect(dorny(text('leaks through a helper'))).toBe(`${HELPER}:3`);
    expect(dorny(text(`${API}: leaks outside any test`))).toBe(`${API}:50`);
    // mikepenz without attributes: the suite's file, and its last line in the text.
    expect(mikepenz(file, API, 'leaks here')).toBe(`${API}:12`);
    expect(mikepenz(file, API, 'leaks through a helper')).toBe(`${API}:2`);
  });

  test('on: file on every testcase, line where the leak began in it, the same on the failure', () => {
    const r = base();
    r.summary.complete = false;
    r.interrupted = 'SIGTERM';
    const { file, xml } = write(renderJunit(r, { fileAttributes: true }));
    const attr = (suite: string, name: string, rest: string) =>
      xpath(file, `string(//testsuite[@name='${suite}']/testcase[@name='${name}']${rest})`);
    const place = (suite: string, name: string) => [
      attr(suite, name, '/@file'),
      attr(suite, name, '/@line'),
      attr(suite, name, '/failure/@file'),
      attr(suite, name, '/failure/@line'),
    ];
    expect(place(API, 'leaks here')).toEqual([API, '12', API, '12']);
    // Made in a helper: the test file's line that called it (the nearest frame there); the site is the text's first.
    expect(place(API, 'leaks through a helper')).toEqual([API, '40', API, '40']);
    expect(dorny(attr(API, 'leaks through a helper', '/failure'))).toBe(`${HELPER}:3`);
    // No line of the test file known: none given, rather than a helper's line that readers would pin on the test file.
    expect(place(API, 'leaks deep in a helper')).toEqual([API, '', API, '']);
    expect(place(API, 'clean')).toEqual([API, '', '', '']);
    expect(place(API, 'skipped')).toEqual([API, '', '', '']);
    expect(place(API, 'leakwatch: test file did not finish')).toEqual([API, '', '', '']);
    expect(place('leakwatch', `${API}: leaks outside any test`)).toEqual([API, '50', API, '50']);
    // The run's own error belongs to no file.
    expect(place('leakwatch', 'leakwatch: run did not finish')).toEqual(['', '', '', '']);
    // GitLab (testcase file, classname as the suite) and CircleCI (testcase file, to split by timings).
    expect(xpath(file, 'count(//testcase)')).toBe('8');
    expect(xpath(file, `count(//testcase[@file='${API}'][@classname='${API}'])`)).toBe('7');
    // mikepenz/action-junit-report: the attributes, in the test file.
    expect(mikepenz(file, API, 'leaks here')).toBe(`${API}:12`);
    expect(mikepenz(file, API, 'leaks through a helper')).toBe(`${API}:40`);
    expect(mikepenz(file, 'leakwatch', `${API}: leaks outside any test`)).toBe(`${API}:50`);
    // Beyond the JUnit 10 schema by exactly these attributes: without them, the same document is valid.
    const rejected = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    expect(rejected.status).not.toBe(0);
    expect(rejected.stderr).toMatch(/attribute 'file' is not allowed/);
    const tag = /<(?:testcase|failure)\b[^>]*>/g;
    const stripped = write(xml.replace(tag, (open) => open.replace(/ (?:file|line)="[^"]*"/g, '')));
    expect(stripped.xml).not.toMatch(/<(?:testcase|failure)\b[^>]* (?:file|line)=/);
    expectJunitValid(stripped.file);
    expect(stripped.xml).toBe(renderJunit(r));
  });

  test('off, or no options: the default', () => {
    expect(renderJunit(base(), { fileAttributes: false })).toBe(renderJunit(base()));
    expect(renderJunit(base(), {})).toBe(renderJunit(base()));
  });
});

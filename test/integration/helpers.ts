import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { FIXTURES, TEST_DIR, type Finding, type Report, type RunResult } from './run';

// The report contract ships with @leakwatch/core (users validate their reports with it); the JUnit schema CI readers
// follow is the test folder's own. Nothing is read from outside the repository.
export const REPORT_SCHEMA = path.resolve(TEST_DIR, '../packages/core/schema/leak-report.schema.json');
export const JUNIT_XSD = path.join(TEST_DIR, 'schemas', 'junit-10.xsd');
const CLI = path.resolve(TEST_DIR, '../packages/core/dist/cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `leakwatch` CLI in `cwd`, without colours and outside any CI, whatever the caller's environment. */
export function runLeakwatchCli(cwd: string, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: '', GITHUB_ACTIONS: '' },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The 1-based line of the `// @leak <marker>` comment in a fixture file, so expectations name the exact line without
 * hard-coding numbers that drift when a fixture is edited. Each marker must appear exactly once.
 */
export function markerLine(fixture: string, file: string, marker: string): number {
  const lines = fs.readFileSync(path.join(FIXTURES, fixture, file), 'utf8').split('\n');
  const hits = lines.flatMap((text, i) => (text.trimEnd().endsWith(`// @leak ${marker}`) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`marker "@leak ${marker}" found ${hits.length} times in ${fixture}/${file}`);
  return hits[0]!;
}

let validate: ReturnType<InstanceType<typeof Ajv2020>['compile']> | undefined;

/** Validates a report against leak-report.schema.json (draft 2020-12); fails with ajv's errors. */
export function expectSchemaValid(report: Report | undefined): void {
  expect(report, 'the run wrote no JSON report').toBeDefined();
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(fs.readFileSync(REPORT_SCHEMA, 'utf8')));
  }
  const ok = validate(report);
  expect(validate.errors ?? [], 'JSON report does not match leak-report.schema.json').toEqual([]);
  expect(ok).toBe(true);
}

function isPortableRelative(p: string): boolean {
  return !path.isAbsolute(p) && !/^[A-Za-z]:/.test(p) && !p.includes('\\');
}

/** Report paths are relative to the project root with forward slashes: the file, the site and every stack frame. */
export function expectPortablePaths(report: Report): void {
  for (const f of report.findings) {
    expect(isPortableRelative(f.file), `finding file ${f.file}`).toBe(true);
    expect(f.file.startsWith('../'), `finding file ${f.file} is outside the project`).toBe(false);
    if (f.site) {
      expect(isPortableRelative(f.site.file), `site file ${f.site.file}`).toBe(true);
      expect(f.site.file.startsWith('../'), `site file ${f.site.file} is outside the project`).toBe(false);
    }
    for (const frame of f.stack ?? []) {
      // A frame is "fn (file:line:col)" or "file:line:col".
      const where = /\(([^()]*)\)$/.exec(frame)?.[1] ?? frame;
      expect(isPortableRelative(where), `stack frame ${frame}`).toBe(true);
    }
  }
}

/** The summary agrees with the findings, and ids are unique within a run. */
export function expectConsistentSummary(report: Report): void {
  expect(report.summary.findings).toBe(report.findings.length);
  // Known leaks from a baseline are counted apart: never failing, never warnings.
  const known = (f: Finding) => (f as Finding & { baselined?: boolean }).baselined === true;
  expect(report.summary.failing).toBe(report.findings.filter((f) => f.action === 'fail' && !known(f)).length);
  expect(report.summary.warning).toBe(report.findings.filter((f) => f.action === 'warn' && !known(f)).length);
  expect(new Set(report.findings.map((f) => f.id)).size).toBe(report.findings.length);
}

/** Runs xmllint against the JUnit 10 schema; a missing xmllint fails the test rather than skipping validation. */
export function expectJunitValid(file: string): void {
  expect(fs.existsSync(file), `JUnit report ${file} was not written`).toBe(true);
  const result = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'xmllint is missing: install libxml2-utils (apt-get install -y libxml2-utils) to validate JUnit reports',
    );
  }
  expect(result.stderr, 'xmllint output').toContain('validates');
  expect(result.status, `xmllint rejected ${file}:\n${result.stderr}`).toBe(0);
}

export interface JunitCase {
  name: string;
  classname: string;
  failures: Array<{ type: string; message: string }>;
  /** <error>s: a test file that did not finish, a run that did not finish. */
  errors: Array<{ type: string; message: string }>;
  systemOut: string | undefined;
  skipped: boolean;
}
export interface JunitSuite {
  attrs: Record<string, string>;
  cases: JunitCase[];
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w.:-]+)="([^"]*)"/g)) out[m[1]!] = unescapeXml(m[2]!);
  return out;
}

/** Just enough XML reading for leakwatch's own JUnit writer (schema validity is xmllint's job). */
export function parseJunit(file: string): JunitSuite[] {
  const xml = fs.readFileSync(file, 'utf8');
  const suites: JunitSuite[] = [];
  for (const suite of xml.matchAll(/<testsuite\b([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const cases: JunitCase[] = [];
    for (const c of suite[2]!.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const attrs = attributes(c[1]!);
      const body = c[2] ?? '';
      cases.push({
        name: attrs.name!,
        classname: attrs.classname!,
        failures: [...body.matchAll(/<failure\b([^>]*)>/g)].map((f) => {
          const a = attributes(f[1]!);
          return { type: a.type!, message: a.message! };
        }),
        errors: [...body.matchAll(/<error\b([^>]*?)\/?>/g)].map((e) => {
          const a = attributes(e[1]!);
          return { type: a.type!, message: a.message! };
        }),
        systemOut: /<system-out>([\s\S]*?)<\/system-out>/.exec(body)?.[1],
        skipped: /<skipped\b/.test(body),
      });
    }
    suites.push({ attrs: attributes(suite[1]!), cases });
  }
  return suites;
}

/**
 * One <testcase> per test the runner reported (named by its title path), in its file's suite; a <failure> exactly on
 * the tests with a failing finding or that the runner failed on their own (first, then the leaks), and one suite
 * `leakwatch` with a testcase per file that has findings outside any test (and per test the runner did not list).
 */
export function expectJunitMatchesReport(run: RunResult): void {
  const report = run.report!;
  const suites = parseJunit(run.junitPath);
  const files = (report as any).files as Array<{
    file: string;
    tests: Array<{ titlePath: string[]; state: string }>;
    error?: string;
  }>;
  const failing = (f: Finding) => f.action === 'fail' && (f as { baselined?: boolean }).baselined !== true;
  const expectCase = (c: JunitCase, own: Finding[], failedOnItsOwn: boolean, where: string) => {
    const leaks = own.filter(failing);
    const types = failedOnItsOwn
      ? ['leakwatch.test-failed']
      : leaks.length === 0
        ? []
        : [leaks.length === 1 ? `leakwatch.${leaks[0]!.kind}` : 'leakwatch'];
    // At most one <failure> per testcase (stricter JUnit readers allow no more), typed by kind when it holds one.
    expect(
      c.failures.map((f) => f.type),
      `<failure>s of "${c.name}" in ${where}`,
    ).toEqual(types);
    if (!failedOnItsOwn && leaks.length > 1) expect(c.failures[0]!.message).toContain(`${leaks.length} leaks`);
    expect(c.systemOut !== undefined, `<system-out> (warnings) of "${c.name}" in ${where}`).toBe(
      own.some((f) => !failing(f)),
    );
  };
  const outside: Array<{ name: string; classname: string; own: Finding[] }> = [];
  // An incomplete run adds its error to the leakwatch suite.
  const incomplete = (report.summary as { complete?: boolean }).complete === false;
  for (const { file, tests, error } of files) {
    const suite = suites.find((s) => s.attrs.name === file)!;
    expect(suite, `the suite of ${file}`).toBeDefined();
    expect(suite.attrs.file).toBe(file);
    const findings = report.findings.filter((f) => f.file === file);
    const listed = new Map(tests.map((t) => [t.titlePath.join(' > '), t]));
    const expectedNames = [
      ...listed.keys(),
      // A file that did not finish: one <error> testcase naming the cause.
      ...(error === undefined ? [] : ['leakwatch: test file did not finish']),
    ];
    expect(suite.cases.map((c) => c.name).sort(), `testcases of ${file}`).toEqual([...expectedNames].sort());
    for (const c of suite.cases) {
      expect(c.classname).toBe(file);
      const test = listed.get(c.name);
      const own = findings.filter((f) => f.test?.join(' > ') === c.name);
      // Failing test-scoped findings are thrown into their test: then the runner's failure may be leakwatch's alone.
      const failedOnItsOwn = test?.state === 'failed' && !own.some((f) => f.scope === 'test' && failing(f));
      expectCase(c, own, failedOnItsOwn, file);
    }
    const nowhere = findings.filter((f) => f.test === null);
    if (nowhere.length) outside.push({ name: `${file}: leaks outside any test`, classname: file, own: nowhere });
    for (const f of findings) {
      const name = f.test && `${file} > ${f.test.join(' > ')}`;
      if (!f.test || listed.has(f.test.join(' > '))) continue;
      const known = outside.find((o) => o.name === name);
      if (known) known.own.push(f);
      else outside.push({ name: name!, classname: file, own: [f] });
    }
    const failedCases = suite.cases.filter((c) => c.failures.length > 0).length;
    expect(Number(suite.attrs.tests)).toBe(suite.cases.length);
    expect(Number(suite.attrs.failures)).toBe(failedCases);
  }
  const extra = suites.find((s) => s.attrs.name === 'leakwatch');
  expect(suites.map((s) => s.attrs.name).sort()).toEqual(
    [...files.map((f) => f.file), ...(extra ? ['leakwatch'] : [])].sort(),
  );
  const extraNames = [...outside.map((o) => o.name), ...(incomplete ? ['leakwatch: run did not finish'] : [])];
  expect(extra?.cases.map((c) => c.name).sort() ?? [], 'testcases of the leakwatch suite').toEqual(extraNames.sort());
  for (const o of outside) {
    const c = extra!.cases.find((x) => x.name === o.name)!;
    expect(c.classname).toBe(o.classname);
    expectCase(c, o.own, false, 'the leakwatch suite');
  }
}

/** The fields a finding is judged on, without run-specific values (pids, ports, fds, bytes, messages). */
export function shape(f: Finding): string {
  const site = f.site ? `${f.site.file}:${f.site.line}` : 'no-site';
  return `${f.action} ${f.scope} ${f.kind} ${f.file} [${f.test?.join(' > ') ?? 'null'}] ${site} x${f.count ?? 1}`;
}

/**
 * Whether Vitest's output shows the file as failed (" FAIL  <file> [ <file> ]", an error in a file-level hook) or,
 * given a title path, the test as failed (" FAIL  <file> > <describe> > <test>").
 */
export function failedInOutput(output: string, file: string, test?: string[]): boolean {
  const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const what = test
    ? `${escaped(file)} > ${test.map(escaped).join(' > ')}\\s*$`
    : `${escaped(file)} \\[ ${escaped(file)} \\]`;
  return new RegExp(`FAIL\\s+${what}`, 'm').test(output);
}

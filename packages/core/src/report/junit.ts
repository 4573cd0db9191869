import { isFailing, type Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import { DEFAULT_JUNIT, type JunitOptions } from '../options.js';
import { parseStack } from '../stack.js';
import type { LeakReport, TestInfo } from './model.js';

// Characters XML 1.0 cannot carry at all are dropped; the rest are escaped in this one place.
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Printable ASCII with nothing to escape: most names, paths and numbers, returned as they are. */
const PLAIN = /^[\x20-\x21\x23-\x25\x28-\x3B\x3D\x3F-\x7E]*$/;

function escapeXml(text: string): string {
  if (PLAIN.test(text)) return text;
  return text.replace(INVALID_XML, '').replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]!);
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

/**
 * The creation site as V8 writes a stack frame. GitHub's JUnit actions place an annotation from a failure's text:
 * dorny/test-reporter at the first `(path:line:col)` whose path git tracks, so it comes before anything else.
 */
function siteFrame(f: Finding): string | undefined {
  return f.site ? `    at ${KIND_INFO[f.kind].label} (${f.site.file}:${f.site.line}:${f.site.column})` : undefined;
}

function describe(f: Finding): string {
  const frame = siteFrame(f);
  const label = KIND_INFO[f.kind].label;
  const lines = frame ? [frame, `[${f.action}] ${label}`] : [`[${f.action}] ${label} at (unknown site)`];
  lines.push(f.message);
  if (f.stack?.length) lines.push(...f.stack.map((s) => `    at ${s}`));
  return lines.join('\n');
}

/** The line of `file` where `f` began: its creation site, else the nearest frame of its stack in that file. */
function lineIn(file: string, f: Finding): number | undefined {
  if (f.site?.file === file) return f.site.line;
  // A finding's stack holds formatFrame's frames, without V8's leading "at ".
  const frames = parseStack(f.stack?.map((frame) => `at ${frame}`).join('\n'));
  return frames.find((frame) => frame.file === file)?.line;
}

/** The text of the <failure> of a test the runner failed for a reason of its own. */
export const TEST_FAILED = "the test itself failed: its own error is in the runner's report";
/** After the leaks of a test the runner failed, when one of them was thrown into it: it may be the only reason. */
export const RUNNER_FAILED =
  "the runner failed this test: leakwatch's error is among its errors in the runner's report, after the test's own if it has one";

interface Case {
  name: string;
  classname: string;
  time: string;
  findings: Finding[];
  /** The test file, for `file` and `line` (fileAttributes); the failure's lines are looked up in it. */
  file: string | undefined;
  /** The runner's verdict on the test; none for leakwatch's own testcases. */
  state?: TestInfo['state'];
}

/** Sited findings first, so that the failure's text starts with a creation site whenever one is known. */
function sitedFirst(findings: Finding[]): Finding[] {
  const sited: Finding[] = [];
  const unsited: Finding[] = [];
  for (const f of findings) (f.site ? sited : unsited).push(f);
  return sited.length && unsited.length ? [...sited, ...unsited] : findings;
}

/** One <testcase>, and whether it holds a <failure>. */
function testcase(c: Case, junit: JunitOptions): { xml: string; failed: boolean } {
  const failing = sitedFirst(c.findings.filter(isFailing));
  // Warnings and known leaks from the baseline: visible to the reader, never a failure.
  const warning = c.findings.filter((f) => !isFailing(f));
  // Where the failure is, in the test file: the line of its first failing finding there, if any.
  let place: { file?: string; line?: number } = {};
  if (junit.fileAttributes && c.file !== undefined) {
    let line: number | undefined;
    for (const f of failing) if ((line = lineIn(c.file, f)) !== undefined) break;
    place = { file: c.file, line };
  }
  const body: string[] = [];
  if (c.state === 'skipped') body.push('      <skipped/>');
  // A failing test-scoped finding is thrown into its test: the runner may have failed the test for that alone. With
  // none, the runner failed it for a reason of its own, which comes first.
  const thrown = failing.some((f) => f.scope === 'test');
  const failedOnItsOwn = c.state === 'failed' && !thrown;
  // One <failure> per testcase: stricter JUnit readers accept no more; every failing finding is in its text.
  const failed = failing.length > 0 || failedOnItsOwn;
  if (failed) {
    const first = failing[0];
    const leaks =
      failing.length === 1
        ? first!.message
        : `${failing.length} leaks: ${failing.map((f) => KIND_INFO[f.kind].label).join(', ')}`;
    const texts = failing.map(describe);
    let type: string;
    let message: string;
    if (failedOnItsOwn) {
      type = 'leakwatch.test-failed';
      message = failing.length ? `${TEST_FAILED}; it also leaked: ${leaks}` : TEST_FAILED;
      texts.unshift(TEST_FAILED);
    } else {
      type = failing.length === 1 ? `leakwatch.${first!.kind}` : 'leakwatch';
      message = leaks;
      if (c.state === 'failed') texts.push(RUNNER_FAILED);
    }
    // The testcase's place, not the creation site's: mikepenz/action-junit-report takes the testcase's file, then the
    // first line it finds on the testcase or the failure, so both must be of the same file.
    body.push(`      <failure${attrs({ type, message, ...place })}>${escapeXml(texts.join('\n\n'))}</failure>`);
  }
  if (warning.length) {
    body.push(
      `      <system-out>${escapeXml(warning.map((f) => `leakwatch ${f.baselined ? 'known leak (baseline)' : 'warning'}\n${describe(f)}`).join('\n\n'))}</system-out>`,
    );
  }
  const open = `    <testcase${attrs({ name: c.name, classname: c.classname, time: c.time, ...place })}`;
  return { xml: body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`, failed };
}

const key = (path: string[] | null) => (path ? JSON.stringify(path) : '');

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The suite of what belongs to no test of the run, as Vitest's JUnit reporter has one for unhandled errors. */
export const LEAKWATCH_SUITE = 'leakwatch';
/** The testcase, in the leakwatch suite, of one file's findings made outside any test. */
export const outsideCaseName = (file: string) => `${file}: leaks outside any test`;
/** The testcase, in the leakwatch suite, of a test the runner did not list. */
export const unlistedCaseName = (file: string, test: string[]) => `${file} > ${test.join(' > ')}`;

class Suite {
  readonly cases: string[] = [];
  failures = 0;
  errors = 0;
  skipped = 0;
  findings = 0;

  add(c: Case, junit: JunitOptions): void {
    const { xml, failed } = testcase(c, junit);
    this.cases.push(xml);
    this.findings += c.findings.length;
    if (failed) this.failures++;
    if (c.state === 'skipped') this.skipped++;
  }

  addError(xml: string): void {
    this.cases.push(xml);
    this.errors++;
  }

  render(report: LeakReport, name: string, time: string, file?: string): string {
    return `  <testsuite${attrs({
      name,
      tests: this.cases.length,
      failures: this.failures,
      errors: this.errors,
      skipped: this.skipped,
      time,
      timestamp: report.startedAt,
      file,
    })}>\n${properties(report, this.findings)}\n${this.cases.join('\n')}\n  </testsuite>`;
  }
}

/**
 * One <testsuite> per test file and one <testcase> per test of the run; failing findings are the <failure> of the
 * test that made them (after the test's own failure, when the runner failed it), warnings go to its <system-out>.
 * What belongs to no listed test (findings outside any test, of a test the runner did not list, of a file it did not
 * run; a run that did not finish) goes to one more suite, `leakwatch`, with a testcase named by file.
 * By default valid against the JUnit 10 schema (Jenkins), which has no <properties> and no `file` on a testcase;
 * `junit.fileAttributes` adds `file` and `line` (see JunitOptions). Without options, the default's.
 */
/**
 * The JUnit options a report was written with (its resolved `policy`), for re-rendering it later (`leakwatch report
 * --format junit`, `leakwatch merge --junit`); a report written before the option existed gets the default.
 */
export function junitOptionsOf(report: Pick<LeakReport, 'policy'>): Partial<JunitOptions> {
  const junit = (report.policy as { junit?: { fileAttributes?: unknown } } | undefined)?.junit;
  return { fileAttributes: junit?.fileAttributes === true };
}

export function renderJunit(report: LeakReport, options: Partial<JunitOptions> = {}): string {
  const junit: JunitOptions = { ...DEFAULT_JUNIT, ...options };
  // Maps and pushes, never a search or a copy inside a loop: a run of 20,000 files renders in milliseconds.
  const byFile = groupBy(report.findings, (f) => f.file);
  const infoOf = new Map(report.files.map((f) => [f.file, f]));
  const files = [...infoOf.keys()];
  for (const file of byFile.keys()) if (!infoOf.has(file)) files.push(file);

  const suites: string[] = [];
  const extra = new Suite();
  let totalTests = 0;
  let totalFailures = 0;
  let totalErrors = 0;
  for (const file of files) {
    const info = infoOf.get(file);
    const byTest = groupBy(byFile.get(file) ?? [], (f) => key(f.test));
    const suite = new Suite();
    for (const test of info?.tests ?? []) {
      const k = key(test.titlePath);
      const own = byTest.get(k) ?? [];
      byTest.delete(k);
      suite.add(
        {
          name: test.titlePath.join(' > '),
          classname: file,
          time: seconds(test.durationMs),
          findings: own,
          file,
          state: test.state,
        },
        junit,
      );
    }
    // What is left is attached to no listed test: made outside any test (first), or by a test the runner did not list.
    const outside = byTest.get('');
    if (outside) {
      extra.add({ name: outsideCaseName(file), classname: file, time: '0.000', findings: outside, file }, junit);
      byTest.delete('');
    }
    for (const findings of byTest.values()) {
      const name = unlistedCaseName(file, findings[0]!.test!);
      extra.add({ name, classname: file, time: '0.000', findings, file }, junit);
    }
    if (!info) continue;
    // A file that did not finish stays with its own tests: the error is the file's, and its runner reports it there.
    if (info.error !== undefined)
      suite.addError(
        errorCase(FILE_ERROR_CASE, file, 'leakwatch.file-error', info.error, junit.fileAttributes ? file : undefined),
      );
    totalTests += suite.cases.length;
    totalFailures += suite.failures;
    totalErrors += suite.errors;
    suites.push(suite.render(report, file, seconds(info.durationMs), file));
  }
  // The JUnit 10 schema allows no property or extra attribute on <testsuites>: an incomplete run is said by an error
  // a CI reader shows, in the leakwatch suite, and by a property on every suite.
  if (report.summary.complete === false) {
    const message = `the run did not finish (${report.interrupted ?? 'interrupted'}): only the files that finished are in this report`;
    extra.addError(errorCase(INCOMPLETE_CASE, LEAKWATCH_SUITE, 'leakwatch.incomplete', message, undefined));
  }
  if (extra.cases.length) {
    totalTests += extra.cases.length;
    totalFailures += extra.failures;
    totalErrors += extra.errors;
    suites.push(extra.render(report, LEAKWATCH_SUITE, '0.000'));
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs({
    name: `leakwatch (${report.runner})`,
    tests: totalTests,
    failures: totalFailures,
    errors: totalErrors,
    time: seconds(report.durationMs),
  })}>\n${suites.join('\n')}\n</testsuites>\n`;
}

export const FILE_ERROR_CASE = 'leakwatch: test file did not finish';
export const INCOMPLETE_CASE = 'leakwatch: run did not finish';

function errorCase(name: string, classname: string, type: string, message: string, file: string | undefined): string {
  return `    <testcase${attrs({ name, classname, time: '0.000', file })}>\n      <error${attrs({ type, message })}/>\n    </testcase>`;
}

/** `leakwatch.findings`: the findings in this suite's testcases; summed over the suites, the report's. */
function properties(report: LeakReport, findings: number): string {
  const props: string[] = [];
  props.push(`      <property name="leakwatch.findings" value="${findings}"/>`);
  if (report.summary.complete === false) props.push('      <property name="leakwatch.complete" value="false"/>');
  return `    <properties>\n${props.join('\n')}\n    </properties>`;
}

import { isFailing, type Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import type { LeakReport } from './model.js';

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

function describe(f: Finding): string {
  const site = f.site ? `${f.site.file}:${f.site.line}:${f.site.column}` : '(unknown site)';
  const lines = [`[${f.action}] ${KIND_INFO[f.kind].label} at ${site}`, f.message];
  if (f.stack?.length) lines.push(...f.stack.map((s) => `    at ${s}`));
  return lines.join('\n');
}

function testcase(name: string, classname: string, time: string, findings: Finding[], skipped: boolean): string {
  const failing = findings.filter(isFailing);
  // Warnings and known leaks from the baseline: visible to the reader, never a failure.
  const warning = findings.filter((f) => !isFailing(f));
  const body: string[] = [];
  if (skipped) body.push('      <skipped/>');
  // One <failure> per testcase: stricter JUnit readers accept no more; every failing finding is in its text.
  if (failing.length) {
    const first = failing[0]!;
    const message =
      failing.length === 1
        ? first.message
        : `${failing.length} leaks: ${failing.map((f) => KIND_INFO[f.kind].label).join(', ')}`;
    const type = failing.length === 1 ? `leakwatch.${first.kind}` : 'leakwatch';
    body.push(`      <failure${attrs({ type, message })}>${escapeXml(failing.map(describe).join('\n\n'))}</failure>`);
  }
  if (warning.length) {
    body.push(
      `      <system-out>${escapeXml(warning.map((f) => `leakwatch ${f.baselined ? 'known leak (baseline)' : 'warning'}\n${describe(f)}`).join('\n\n'))}</system-out>`,
    );
  }
  const open = `    <testcase${attrs({ name, classname, time })}`;
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
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

/**
 * One <testsuite> per test file and one <testcase> per test of the run; failing findings are the <failure> of the
 * test that made them, warnings go to its <system-out>. Findings made outside any test get one extra testcase per file.
 * Valid against the JUnit 10 schema (Jenkins), which has no <properties> on a testcase.
 */
export function renderJunit(report: LeakReport): string {
  // Maps and pushes, never a search or a copy inside a loop: a run of 20,000 files renders in milliseconds.
  const byFile = groupBy(report.findings, (f) => f.file);
  const infoOf = new Map(report.files.map((f) => [f.file, f]));
  const files = [...infoOf.keys()];
  for (const file of byFile.keys()) if (!infoOf.has(file)) files.push(file);

  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  let totalErrors = 0;
  for (const file of files) {
    const info = infoOf.get(file);
    const findings = byFile.get(file) ?? [];
    const byTest = groupBy(findings, (f) => key(f.test));

    const cases: string[] = [];
    let failures = 0;
    let skipped = 0;
    const seen = new Set<string>();
    for (const test of info?.tests ?? []) {
      const k = key(test.titlePath);
      seen.add(k);
      const own = byTest.get(k) ?? [];
      if (own.some(isFailing)) failures++;
      if (test.state === 'skipped') skipped++;
      cases.push(testcase(test.titlePath.join(' > '), file, seconds(test.durationMs), own, test.state === 'skipped'));
    }
    // Findings not attached to a known test: made outside any test, or by a test the runner did not list.
    const rest = [...byTest.entries()].filter(([k]) => !seen.has(k)).flatMap(([, fs]) => fs);
    if (rest.length) {
      if (rest.some(isFailing)) failures++;
      cases.push(testcase('leakwatch: leaks outside any test', file, '0.000', rest, false));
    }
    const errors = info?.error === undefined ? 0 : 1;
    if (info?.error !== undefined) cases.push(errorCase(FILE_ERROR_CASE, file, 'leakwatch.file-error', info.error));
    totalTests += cases.length;
    totalFailures += failures;
    totalErrors += errors;
    suites.push(
      `  <testsuite${attrs({
        name: file,
        tests: cases.length,
        failures,
        errors,
        skipped,
        time: seconds(info?.durationMs),
        timestamp: report.startedAt,
        file,
      })}>\n${properties(report, findings.length)}\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  // The JUnit 10 schema allows no property or extra attribute on <testsuites>: an incomplete run is said by a suite
  // of its own, with an error a CI reader shows, and by a property on every file's suite.
  if (report.summary.complete === false) {
    const message = `the run did not finish (${report.interrupted ?? 'interrupted'}): only the files that finished are in this report`;
    totalTests++;
    totalErrors++;
    suites.push(
      `  <testsuite${attrs({ name: 'leakwatch', tests: 1, failures: 0, errors: 1, skipped: 0, time: '0.000', timestamp: report.startedAt })}>\n${properties(report)}\n${errorCase(INCOMPLETE_CASE, 'leakwatch', 'leakwatch.incomplete', message)}\n  </testsuite>`,
    );
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

function errorCase(name: string, classname: string, type: string, message: string): string {
  return `    <testcase${attrs({ name, classname, time: '0.000' })}>\n      <error${attrs({ type, message })}/>\n    </testcase>`;
}

function properties(report: LeakReport, findings?: number): string {
  const props: string[] = [];
  if (findings !== undefined) props.push(`      <property name="leakwatch.findings" value="${findings}"/>`);
  if (report.summary.complete === false) props.push('      <property name="leakwatch.complete" value="false"/>');
  return `    <properties>\n${props.join('\n')}\n    </properties>`;
}

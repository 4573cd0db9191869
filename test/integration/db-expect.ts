import { expect } from 'vitest';
import { expectJunitMatchesReport, expectJunitValid, expectSchemaValid, markerLine, shape } from './helpers';
import type { Finding, Report, RunResult } from './run';

/** One database connection a db fixture leaks on purpose. */
export interface ExpectedDb {
  label: string;
  kind: Finding['kind'];
  /** The test file the finding belongs to. */
  file: string;
  test: string[] | null;
  /** The file holding the `// @leak` marker, when it is not the test file (a module the test imports). */
  siteFile?: string;
  marker: string;
  details: Record<string, unknown>;
}

/** Exactly one finding for the connection: its test, the line of its marker, the driver's details, a fix. */
export function expectDbLeak(fixture: string, report: Report, expected: ExpectedDb): void {
  const siteFile = expected.siteFile ?? expected.file;
  const matches = report.findings.filter(
    (f) =>
      f.kind === expected.kind && f.file === expected.file && JSON.stringify(f.test) === JSON.stringify(expected.test),
  );
  expect(matches.map(shape), `${expected.file}: ${JSON.stringify(report.findings.map(shape))}`).toHaveLength(1);
  const [finding] = matches;
  expect(finding!.site).toMatchObject({ file: siteFile, line: markerLine(fixture, siteFile, expected.marker) });
  expect(finding!.action).toBe('fail');
  expect(finding!.count).toBe(1);
  expect(finding!.details).toMatchObject(expected.details);
  expect(finding!.message).toMatch(/Fix: /);
}

/** A leaky db run: nothing but the expected connections, no internal error, valid reports, and the run fails. */
export function expectOnlyDbLeaks(run: RunResult, report: Report, expected: ExpectedDb[]): void {
  const other = report.findings.filter(
    (f) =>
      !expected.some(
        (e) => e.kind === f.kind && e.file === f.file && JSON.stringify(e.test) === JSON.stringify(f.test),
      ),
  );
  expect(other.map(shape), 'findings the fixture did not ask for').toEqual([]);
  expect(report.findings).toHaveLength(expected.length);
  expect(report.errors).toEqual([]);
  expect(run.code, run.output).toBe(1);
  expectSchemaValid(report);
  expectJunitValid(run.junitPath);
  expectJunitMatchesReport(run);
}

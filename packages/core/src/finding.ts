import type { Kind } from './kinds.js';
import { crypto } from './lazy.js';

export interface Site {
  file: string;
  line: number;
  column: number;
}

/** One finding of the JSON report (see leak-report.schema.json): one group of leaked resources or one measurement. */
export interface Finding {
  id: string;
  kind: Kind;
  scope: 'test' | 'file';
  action: 'fail' | 'warn';
  file: string;
  test: string[] | null;
  site: Site | null;
  message: string;
  count: number;
  bytes?: number;
  stack?: string[];
  details?: Record<string, unknown>;
  /** Known from the baseline file: reported, never failing. */
  baselined?: boolean;
}

/** A finding that fails the run: a failing action, and not a known leak from the baseline. */
export function isFailing(f: Finding): boolean {
  return f.action === 'fail' && f.baselined !== true;
}

/**
 * What a file's judgement throws into the runner: its failing findings that no test has thrown yet. Findings of an
 * earlier file's late work ride along in the result (reported against that file), never failing this one.
 */
export function fileFailures(result: { file: string; findings: Finding[] }, thrown: ReadonlySet<string>): Finding[] {
  return result.findings.filter((f) => isFailing(f) && f.file === result.file && !thrown.has(f.id));
}

/** A finding before policy gives it an action. */
export type RawFinding = Omit<Finding, 'action'>;

type Sortable = Pick<Finding, 'file' | 'site' | 'kind' | 'id'>;

/**
 * Stable across runs and machines: kind, file, test and site (plus a discriminator such as a global's name),
 * never pids, ports, fds or addresses. The baseline file matches on it.
 */
export function findingId(
  kind: Kind,
  file: string,
  test: string[] | null,
  site: Site | null,
  discriminator = '',
): string {
  const parts = [
    kind,
    file,
    test ? test.join('\u203a') : '',
    site ? `${site.file}:${site.line}:${site.column}` : '',
    discriminator,
  ];
  return crypto().createHash('sha1').update(parts.join('\0')).digest('hex').slice(0, 12);
}

/**
 * Code-unit order: the same on every machine, where localeCompare follows the process's locale (a baseline or report
 * written under another LANG would reorder) and loads ICU's collator on first use.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Report order: file, site, kind, id; baseline entries sort the same way. */
export function compareFindings(a: Sortable, b: Sortable): number {
  return (
    compareText(a.file, b.file) ||
    (a.site?.line ?? 0) - (b.site?.line ?? 0) ||
    (a.site?.column ?? 0) - (b.site?.column ?? 0) ||
    compareText(a.kind, b.kind) ||
    compareText(a.id, b.id)
  );
}

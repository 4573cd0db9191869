/**
 * The pure part of the `leakwatch` CLI: reading reports, filtering, formatting, the baseline ratchet and the diff of
 * two runs. No process, argv or exit codes here (see cli.ts), so the reporters and tests can use them directly.
 */
import fs from 'node:fs';
import { picomatch, valibot } from './lazy.js';
import { baselineEntry, describeIssue, serializeBaseline, type Baseline, type BaselineEntry } from './baseline.js';
import { compareFindings, type Finding } from './finding.js';
import { KINDS, KIND_INFO, type Kind } from './kinds.js';
import { pairFindings } from './match.js';
import { LeakwatchConfigError } from './options.js';
import { renderConsole } from './report/console.js';
import { renderMarkdown } from './report/github.js';
import { renderJson } from './report/json.js';
import { junitOptionsOf, renderJunit } from './report/junit.js';
import { RUNNERS, countFindings, type LeakReport } from './report/model.js';

export const REPORT_FORMATS = ['text', 'json', 'junit', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const DIFF_FORMATS = ['text', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** The contract of leak-report.schema.json: extra properties are allowed everywhere. Built on first use. */
function buildReportSchema() {
  const v = valibot();
  const count = v.pipe(v.number(), v.integer(), v.minValue(0));
  const line = v.pipe(v.number(), v.integer(), v.minValue(1));
  return v.looseObject({
    version: v.literal(1),
    runner: v.picklist(RUNNERS),
    summary: v.looseObject({
      files: count,
      tests: count,
      findings: count,
      failing: count,
      warning: count,
      baselined: v.optional(count),
    }),
    findings: v.array(
      v.looseObject({
        id: v.pipe(v.string(), v.minLength(1)),
        kind: v.picklist(KINDS),
        scope: v.picklist(['test', 'file']),
        action: v.picklist(['fail', 'warn']),
        file: v.string(),
        test: v.nullable(v.array(v.string())),
        site: v.nullable(v.looseObject({ file: v.string(), line, column: line })),
        message: v.string(),
        count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
        baselined: v.optional(v.boolean()),
      }),
    ),
    files: v.optional(
      v.array(v.looseObject({ file: v.string(), tests: v.array(v.looseObject({ titlePath: v.array(v.string()) })) })),
    ),
    errors: v.optional(v.array(v.string())),
    shard: v.optional(v.looseObject({ index: line, count: line })),
  });
}
let reportSchema: ReturnType<typeof buildReportSchema> | undefined;

const WRITE_REPORT =
  "run the tests with a JSON report (outputFile: { json: 'leakwatch.json' } in the leakwatch options, or LEAKWATCH_REPORT_DIR=<dir>) and pass its path";

/** Reads a JSON report (leak-report.schema.json); throws LeakwatchConfigError naming the file and the fix. */
export function loadReport(file: string): LeakReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new LeakwatchConfigError(`leakwatch: the report file ${file} does not exist. Fix: ${WRITE_REPORT}.`);
    throw new LeakwatchConfigError(
      `leakwatch: cannot read the report file ${file} (${code ?? (error as Error).message}). Fix: pass the path of a readable JSON report.`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why = text.trim() === '' ? 'is empty' : `is not valid JSON (${(error as Error).message})`;
    throw new LeakwatchConfigError(
      `leakwatch: the report file ${file} ${why}: it may be half-written or not a report. Fix: ${WRITE_REPORT}.`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LeakwatchConfigError(
      `leakwatch: ${file} is not a leakwatch JSON report: expected an object, received ${Array.isArray(data) ? 'an array' : JSON.stringify(data)}. Fix: ${WRITE_REPORT}.`,
    );
  }
  if ('entries' in data && !('findings' in data)) {
    throw new LeakwatchConfigError(
      `leakwatch: ${file} is a baseline file, not a JSON report. Fix: pass the JSON report of a run (e.g. leakwatch.json).`,
    );
  }
  const result = valibot().safeParse((reportSchema ??= buildReportSchema()), data);
  if (!result.success) {
    throw new LeakwatchConfigError(
      `leakwatch: ${file} is not a leakwatch JSON report (version 1): ${describeIssue(result.issues[0])}. Fix: ${WRITE_REPORT}.`,
    );
  }
  const report = result.output as unknown as LeakReport;
  return {
    ...report,
    // Reports written before these fields existed were complete and said nothing of files that did not finish.
    summary: {
      ...report.summary,
      baselined: report.summary.baselined ?? 0,
      fileErrors: report.summary.fileErrors ?? 0,
      complete: report.summary.complete ?? true,
    },
    findings: report.findings.map((f) => ({ ...f, count: f.count ?? 1 })),
    files: report.files ?? [],
    errors: report.errors ?? [],
  };
}

export interface FindingFilter {
  /** Only these kinds. */
  kinds?: Kind[];
  /** Globs over the test file (relative to the root); a pattern without a slash also matches the file's base name. */
  files?: string[];
}

// picomatch's own `basename` option stops patterns with a slash from matching at all (4.0.x): split them here.
function fileMatcher(patterns: string[]): (file: string) => boolean {
  const full = patterns.filter((p) => p.includes('/'));
  const base = patterns.filter((p) => !p.includes('/'));
  const matchFull = full.length ? picomatch()(full, { dot: true }) : () => false;
  const matchBase = base.length ? picomatch()(base, { dot: true }) : () => false;
  return (file) => matchFull(file) || matchBase(file) || matchBase(file.slice(file.lastIndexOf('/') + 1));
}

/** The report with only the matching findings, its summary counted again. */
export function filterReport(report: LeakReport, filter: FindingFilter): LeakReport {
  const kinds = filter.kinds?.length ? new Set(filter.kinds) : undefined;
  const file = filter.files?.length ? fileMatcher(filter.files) : undefined;
  if (!kinds && !file) return report;
  const findings = report.findings.filter((f) => (!kinds || kinds.has(f.kind)) && (!file || file(f.file)));
  return {
    ...report,
    findings,
    summary: { ...report.summary, ...countFindings(findings) },
  };
}

/** The report in one of the CLI's formats; `root` is where code frames are read from (text only). */
export function formatReport(report: LeakReport, format: ReportFormat, options: { root: string }): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report, junitOptionsOf(report));
    case 'markdown':
      return renderMarkdown(report);
    case 'text': {
      // Asked for explicitly: every finding, where the run's own table shows the most severe few.
      const text = renderConsole(report, { root: options.root, all: true });
      return text || `leakwatch: no leaks found (${report.summary.files} files, ${report.summary.tests} tests)\n`;
    }
  }
}

/** One line naming a finding or a baseline entry: kind, test, site and id. */
export function describeFinding(
  f: Pick<Finding, 'id' | 'kind' | 'file' | 'test' | 'site'> & { action?: string; count?: number },
): string {
  const action = f.action ? `[${f.action}] ` : '';
  const times = f.count && f.count > 1 ? ` ×${f.count}` : '';
  const where = f.site ? `${f.site.file}:${f.site.line}:${f.site.column}` : f.file;
  const test = f.test ? `"${f.test.join(' > ')}"` : `${f.file} (outside any test)`;
  return `${action}${KIND_INFO[f.kind].label}${times} in ${test} at ${where} (id ${f.id})`;
}

export interface BaselineCheck {
  /** Findings the baseline does not know: new leaks. */
  unbaselined: Finding[];
  /** Entries no finding matched: fixed leaks, to prune. */
  stale: BaselineEntry[];
  ok: boolean;
}

/**
 * The entries a report can judge, and the others: a shard's report judges only the entries of its own files (see
 * judgedFiles); every entry otherwise.
 */
function splitEntries(
  baseline: Baseline,
  judged: ReadonlySet<string> | undefined,
): { mine: BaselineEntry[]; others: BaselineEntry[] } {
  if (!judged) return { mine: baseline.entries, others: [] };
  const mine: BaselineEntry[] = [];
  const others: BaselineEntry[] = [];
  for (const e of baseline.entries) (judged.has(e.file) ? mine : others).push(e);
  return { mine, others };
}

/**
 * `leakwatch baseline --check`: ok when every finding is baselined and every entry still occurs. With `judged` (a
 * shard's files), entries of other files are neither checked nor stale.
 */
export function checkBaseline(findings: Finding[], baseline: Baseline, judged?: ReadonlySet<string>): BaselineCheck {
  const { onlyBefore, onlyAfter } = pairFindings(splitEntries(baseline, judged).mine, findings);
  return {
    unbaselined: [...onlyAfter].sort(compareFindings),
    stale: onlyBefore,
    ok: onlyAfter.length === 0 && onlyBefore.length === 0,
  };
}

export interface PrunedBaseline {
  /** The entries that still occur, refreshed to the findings' current id and site, notes kept. */
  baseline: Baseline;
  removed: BaselineEntry[];
  /** Findings not in the baseline: never added by a prune. */
  unbaselined: Finding[];
}

/**
 * `leakwatch baseline --prune`: drops the entries that no longer occur; never adds one. With `judged` (a shard's
 * files), entries of other files are kept as they are.
 */
export function pruneBaseline(baseline: Baseline, findings: Finding[], judged?: ReadonlySet<string>): PrunedBaseline {
  const { mine, others } = splitEntries(baseline, judged);
  const { pairs, onlyBefore, onlyAfter } = pairFindings(mine, findings);
  const kept = [...pairs.map(([entry, f]) => baselineEntry(f, entry.message)), ...others].sort(compareFindings);
  return {
    baseline: { version: 1, entries: kept },
    removed: onlyBefore,
    unbaselined: [...onlyAfter].sort(compareFindings),
  };
}

/**
 * The baseline file for these findings, keeping the notes (`message`) of entries that still match; same output as
 * renderBaseline when there is no previous baseline or it has no notes. With `judged` (a shard's files), the previous
 * entries of other files are kept as they are: a shard's report rewrites only its own part.
 */
export function renderBaselineFrom(findings: Finding[], previous?: Baseline, judged?: ReadonlySet<string>): string {
  const notes = new Map<string, string>();
  const { mine, others } = previous ? splitEntries(previous, judged) : { mine: [], others: [] };
  for (const [entry, f] of pairFindings(mine, findings).pairs)
    if (entry.message !== undefined) notes.set(f.id, entry.message);
  return serializeBaseline(
    [...findings.map((f) => baselineEntry(f, notes.get(f.id))), ...others].sort(compareFindings),
  );
}

export interface ReportDiff {
  /** In the second report only. */
  new: Finding[];
  /** In the first report only. */
  fixed: Finding[];
  /** In both (by id, or moved line / renamed test): the finding of each report. */
  unchanged: Array<{ before: Finding; after: Finding }>;
}

/** New, fixed and unchanged findings from report `a` to report `b`, matched as the baseline matches. */
export function diffReports(a: LeakReport, b: LeakReport): ReportDiff {
  const { pairs, onlyBefore, onlyAfter } = pairFindings(a.findings, b.findings);
  return {
    new: [...onlyAfter].sort(compareFindings),
    fixed: [...onlyBefore].sort(compareFindings),
    unchanged: pairs.map(([before, after]) => ({ before, after })).sort((x, y) => compareFindings(x.after, y.after)),
  };
}

/** The diff for people (`text`) or machines (`json`: the ReportDiff plus a summary of counts). */
export function renderDiff(
  diff: ReportDiff,
  format: DiffFormat = 'text',
  labels: { a?: string; b?: string } = {},
): string {
  const summary = { new: diff.new.length, fixed: diff.fixed.length, unchanged: diff.unchanged.length };
  if (format === 'json')
    return `${JSON.stringify({ version: 1, from: labels.a, to: labels.b, summary, ...diff }, null, 2)}\n`;
  const head = labels.a && labels.b ? ` ${labels.a} -> ${labels.b}` : '';
  const out = [`leakwatch diff${head}: ${summary.new} new, ${summary.fixed} fixed, ${summary.unchanged} unchanged`];
  const section = (title: string, mark: string, items: Array<Parameters<typeof describeFinding>[0]>) => {
    if (!items.length) return;
    out.push('', `${title} (${items.length}):`, ...items.map((f) => `  ${mark} ${describeFinding(f)}`));
  };
  section('new', '+', diff.new);
  section('fixed', '-', diff.fixed);
  section(
    'unchanged',
    '=',
    diff.unchanged.map((u) => u.after),
  );
  return `${out.join('\n')}\n`;
}

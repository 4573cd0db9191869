import fs from 'node:fs';
import { isFailing, type Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import type { LeakReport } from './model.js';

// GitHub's workflow-command escaping: data loses %, CR and LF; properties also : and ,.
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step and 50 per job, and drops the rest of
 * a step's without a word: "Limitations" in actions/toolkit's docs/problem-matchers.md
 * (https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations); annotations made by workflow
 * commands count against the same limits. So leakwatch emits at most this many of each level and one notice for the
 * rest: 21 per step, under the job's 50.
 */
export const ANNOTATIONS_PER_LEVEL = 10;

export interface AnnotationOptions {
  /** Ids of findings the runner's own reporter annotates already (Vitest's `github-actions`): never annotated twice. */
  annotatedByRunner?: ReadonlySet<string>;
  /** Where the findings left without an annotation are listed: the step summary, when it is written. */
  rest?: string;
}

function annotation(level: 'error' | 'warning', group: Finding[]): string {
  const f = group[0]!;
  const where = f.site ?? { file: f.file, line: 1, column: 1 };
  const props = [
    `file=${property(where.file)}`,
    `line=${where.line}`,
    `col=${where.column}`,
    `title=${property(`leakwatch: ${KIND_INFO[f.kind].label}`)}`,
  ];
  const more =
    group.length > 1 ? `\n(and ${group.length - 1} more finding${group.length === 2 ? '' : 's'} at this line)` : '';
  return `::${level} ${props.join(',')}::${data(f.message + more)}\n`;
}

/**
 * Annotations for the findings the runner does not annotate itself: one per site (file and line, where the pull
 * request shows it), failing findings as errors, warnings then known leaks as warnings, at most
 * ANNOTATIONS_PER_LEVEL of each, in report order; then one notice saying how many findings have no annotation.
 */
export function renderAnnotations(report: LeakReport, options: AnnotationOptions = {}): string {
  const candidates = report.findings.filter((f) => !options.annotatedByRunner?.has(f.id));
  const levels: Array<['error' | 'warning', Finding[]]> = [
    ['error', candidates.filter(isFailing)],
    ['warning', [...candidates.filter((f) => !isFailing(f) && !f.baselined), ...candidates.filter((f) => f.baselined)]],
  ];
  const out: string[] = [];
  let left = 0;
  for (const [level, findings] of levels) {
    const bySite = new Map<string, Finding[]>();
    for (const f of findings) {
      const key = f.site ? `${f.site.file}:${f.site.line}` : `${f.file}:`;
      const group = bySite.get(key);
      if (group) group.push(f);
      else bySite.set(key, [f]);
    }
    const groups = [...bySite.values()];
    for (const group of groups.slice(0, ANNOTATIONS_PER_LEVEL)) out.push(annotation(level, group));
    for (const group of groups.slice(ANNOTATIONS_PER_LEVEL)) left += group.length;
  }
  if (left > 0) {
    const where = options.rest ?? 'the leakwatch table in the log';
    out.push(
      `::notice title=${property('leakwatch: more findings')}::${data(
        `${left} more leakwatch finding${left === 1 ? ' has' : 's have'} no annotation (GitHub shows ${ANNOTATIONS_PER_LEVEL} errors and ${ANNOTATIONS_PER_LEVEL} warnings per step): see ${where}`,
      )}\n`,
    );
  }
  return out.join('');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * A step's summary is dropped whole above 1 MiB ("$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size
 * of 1024k"; "Adding a job summary" in GitHub's workflow-commands docs), and the runner's own reporter may write to it
 * too: leakwatch's table keeps to half of that, failing findings first, and says where the rest are.
 */
export const SUMMARY_BUDGET_BYTES = 512 * 1024;

/** The Markdown block appended to $GITHUB_STEP_SUMMARY (`budgetBytes`: its rows stop there, most severe first). */
export function renderMarkdown(report: LeakReport, budgetBytes = Number.POSITIVE_INFINITY): string {
  const { failing, warning, files, tests } = report.summary;
  const lines = [
    `### leakwatch: ${failing} failing, ${warning} warning`,
    '',
    `${files} files, ${tests} tests (${report.runner} ${report.runnerVersion ?? ''}).`,
    '',
  ];
  if (report.findings.length) {
    lines.push('| | kind | test | where | count |', '| --- | --- | --- | --- | --- |');
    let bytes = Buffer.byteLength(lines.join('\n'));
    const rank = (f: Finding) => (isFailing(f) ? 0 : f.baselined ? 2 : 1);
    const rows = Number.isFinite(budgetBytes)
      ? [...report.findings].sort((a, b) => rank(a) - rank(b))
      : report.findings;
    let shown = 0;
    for (const f of rows) {
      const where = f.site ? `${f.site.file}:${f.site.line}` : f.file;
      const row = `| ${f.action === 'fail' ? '❌' : '⚠️'} | ${KIND_INFO[f.kind].label} | ${cell(f.test?.join(' › ') ?? '(outside any test)')} | \`${cell(where)}\` | ${f.count} |`;
      bytes += Buffer.byteLength(row) + 1;
      if (bytes > budgetBytes) break;
      lines.push(row);
      shown++;
    }
    lines.push('');
    const left = rows.length - shown;
    if (left > 0) lines.push(`…and ${left} more finding${left === 1 ? '' : 's'}: see the JSON report.`, '');
  }
  return `${lines.join('\n')}\n`;
}

/** On GitHub Actions: annotations on the runner's output, and the summary table on the job page. */
export function publishToGitHub(
  report: LeakReport,
  stream: NodeJS.WritableStream,
  env: NodeJS.ProcessEnv,
  options: Pick<AnnotationOptions, 'annotatedByRunner'> = {},
): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  const summary = env.GITHUB_STEP_SUMMARY;
  stream.write(renderAnnotations(report, { ...options, rest: summary ? 'the step summary' : undefined }));
  if (summary) fs.appendFileSync(summary, renderMarkdown(report, SUMMARY_BUDGET_BYTES));
}

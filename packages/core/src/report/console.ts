import c from 'tinyrainbow';
import { formatBytes } from '../judge.js';
import { isFailing, type Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import { codeFrame } from './code-frame.js';
import type { FileResult } from '../detector.js';
import type { ResolvedOptions } from '../options.js';
import { buildReport, type LeakReport, type Runner } from './model.js';

export interface ConsoleReportOptions {
  root: string;
  /** Paths of the report files written, shown under the table. */
  written?: string[];
  /** The JSON report's path as shown, if one was written: where the findings the table leaves out are. */
  json?: string;
  /** The run's total line; off for a single file's block printed by a worker. */
  totals?: boolean;
  /** Every finding, not only the most severe few per file and per run (the `consoleAll` option, `leakwatch report`). */
  all?: boolean;
}

/**
 * A finding's block takes about ten lines (badge, site, code frame, message): 1,000 leak sites printed 10,000 lines
 * and buried the runner's own output. The table shows the most severe few; the JSON and JUnit reports keep all.
 */
export const CONSOLE_MAX_PER_FILE = 5;
export const CONSOLE_MAX_PER_RUN = 20;

/** Failing first, then warnings, then known leaks from the baseline. */
function severity(f: Finding): number {
  return isFailing(f) ? 0 : f.baselined ? 2 : 1;
}

/**
 * The findings the table shows, in report order (by file, then line): the most severe first, at most
 * CONSOLE_MAX_PER_FILE of a file and CONSOLE_MAX_PER_RUN in all.
 */
export function shownFindings(findings: readonly Finding[]): Set<Finding> {
  const ranked = findings.map((f, i) => ({ f, i })).sort((a, b) => severity(a.f) - severity(b.f) || a.i - b.i);
  const perFile = new Map<string, number>();
  const shown = new Set<Finding>();
  for (const { f } of ranked) {
    if (shown.size >= CONSOLE_MAX_PER_RUN) break;
    const n = perFile.get(f.file) ?? 0;
    if (n >= CONSOLE_MAX_PER_FILE) continue;
    perFile.set(f.file, n + 1);
    shown.add(f);
  }
  return shown;
}

function countBySeverity(findings: readonly Finding[]): string {
  const failing = findings.filter(isFailing).length;
  const known = findings.filter((f) => f.baselined).length;
  const warning = findings.length - failing - known;
  const parts = [
    failing ? `${failing} failing` : '',
    warning ? `${warning} warning` : '',
    known ? `${known} known` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

/** Where the findings the table leaves out can be read. */
function seeAll(json: string | undefined): string {
  return json
    ? `see ${json} (\`npx leakwatch report ${json}\` prints them all)`
    : 'set `consoleAll: true` in the leakwatch options to print them all, or `outputFile.json` to keep them in a report';
}

function findingBlock(root: string, f: Finding): string[] {
  const badge = f.baselined
    ? c.bgBlue(c.white(' KNOWN '))
    : f.action === 'fail'
      ? c.bgRed(c.white(' FAIL '))
      : c.bgYellow(c.black(' WARN '));
  const count = f.count > 1 ? ` ×${f.count}` : '';
  const bytes = f.bytes !== undefined ? ` +${formatBytes(f.bytes)}` : '';
  const test = f.test ? f.test.join(' > ') : c.dim('(outside any test)');
  const where = f.site ? c.cyan(`${f.site.file}:${f.site.line}:${f.site.column}`) : c.dim('(site unknown)');
  const out = [`  ${badge} ${c.bold(KIND_INFO[f.kind].label)}${count}${bytes} ${c.dim('in')} ${test}`, `    ${where}`];
  if (f.site) out.push(...codeFrame(root, f.site).map((l) => `    ${c.dim(l)}`));
  out.push(`    ${f.message}`);
  return out;
}

/** One grouped block per test file, then a one-line total; empty string when there is nothing to say. */
export function renderConsole(report: LeakReport, options: ConsoleReportOptions): string {
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  const shown = options.all ? new Set(report.findings) : shownFindings(report.findings);
  const out: string[] = [];
  for (const [file, findings] of byFile) {
    const here = findings.filter((f) => shown.has(f)).sort((a, b) => severity(a) - severity(b));
    if (here.length === 0) continue;
    out.push(
      '',
      `${c.bold(c.magenta('leakwatch'))} ${c.bold(file)} ${c.dim(`(${findings.length} finding${findings.length === 1 ? '' : 's'})`)}`,
    );
    for (const f of here) out.push(...findingBlock(options.root, f), '');
    const left = findings.filter((f) => !shown.has(f));
    // One file alone (a worker's own block) says it once, in the line below.
    if (left.length && byFile.size > 1)
      out.push(c.dim(`  … and ${left.length} more in this file (${countBySeverity(left)})`), '');
  }
  const hidden = report.findings.filter((f) => !shown.has(f));
  if (hidden.length)
    out.push(
      c.bold(
        `leakwatch: and ${hidden.length} more finding${hidden.length === 1 ? '' : 's'} not shown (${countBySeverity(hidden)}): ${seeAll(options.json)}`,
      ),
    );
  const stale = report.baseline?.stale.length ?? 0;
  if (stale)
    out.push(
      c.cyan(
        `leakwatch: ${stale} ${stale === 1 ? 'entry' : 'entries'} of ${report.baseline!.file} no longer occur: run \`npx leakwatch baseline --prune\` to drop them`,
      ),
    );
  for (const error of report.errors) {
    const line = error.split('\n')[0] ?? error;
    // A leak reap could not close is about the user's resource, not a fault of leakwatch's.
    out.push(
      c.yellow(
        line.startsWith('reap ')
          ? `leakwatch: ${line}`
          : `leakwatch internal error (the run was not affected): ${line}`,
      ),
    );
  }
  const { failing, warning, findings } = report.summary;
  if (options.totals !== false && (findings > 0 || options.written?.length)) {
    const total =
      findings === 0
        ? c.green('no leaks found')
        : `${failing ? c.red(`${failing} failing`) : '0 failing'}, ${warning ? c.yellow(`${warning} warning`) : '0 warning'}${
            report.summary.baselined ? `, ${report.summary.baselined} known (baseline)` : ''
          }`;
    // Files that did not finish (a killed worker, an interrupted run) were never judged: the totals are of the others.
    const { files, tests } = report.summary;
    const unfinished = report.summary.fileErrors ?? 0;
    const scope =
      report.summary.complete === false
        ? `in the ${files - unfinished} files that finished (the run did not: see below)`
        : unfinished > 0
          ? `in ${files - unfinished} of ${files} files (${unfinished} did not finish: see below), ${tests} tests`
          : `in ${files} files, ${tests} tests`;
    out.push(`${c.bold(c.magenta('leakwatch'))} ${total} ${c.dim(scope)}`);
  }
  for (const written of options.written ?? []) out.push(c.dim(`  report: ${written}`));
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * The block for one file, printed by the worker itself when no main-process reporter is there to merge results
 * (the setup-file-only setups). Empty when the file is clean or console output is off.
 */
export function renderFileResult(result: FileResult, options: ResolvedOptions, root: string, runner: Runner): string {
  if (!options.console || (result.findings.length === 0 && result.errors.length === 0)) return '';
  const report = buildReport({
    runner,
    startedAt: new Date(),
    durationMs: 0,
    options,
    files: [],
    findings: result.findings,
    errors: result.errors,
  });
  return renderConsole(report, { root, totals: false, all: options.consoleAll });
}

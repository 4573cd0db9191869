import c from 'tinyrainbow';
import { formatBytes } from '../judge.js';
import type { Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import { codeFrame } from './code-frame.js';
import type { FileResult } from '../detector.js';
import type { ResolvedOptions } from '../options.js';
import { buildReport, type LeakReport } from './model.js';

export interface ConsoleReportOptions {
  root: string;
  /** Paths of the report files written, shown under the table. */
  written?: string[];
  /** The run's total line; off for a single file's block printed by a worker. */
  totals?: boolean;
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
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const out: string[] = [];
  for (const [file, findings] of byFile) {
    out.push(
      '',
      `${c.bold(c.magenta('leakwatch'))} ${c.bold(file)} ${c.dim(`(${findings.length} finding${findings.length === 1 ? '' : 's'})`)}`,
    );
    for (const f of findings) out.push(...findingBlock(options.root, f), '');
  }
  const stale = report.baseline?.stale.length ?? 0;
  if (stale)
    out.push(
      c.cyan(
        `leakwatch: ${stale} ${stale === 1 ? 'entry' : 'entries'} of ${report.baseline!.file} no longer occur: run \`npx leakwatch baseline --prune\` to drop them`,
      ),
    );
  for (const error of report.errors)
    out.push(c.yellow(`leakwatch internal error (the run was not affected): ${error.split('\n')[0]}`));
  const { failing, warning, findings } = report.summary;
  if (options.totals !== false && (findings > 0 || options.written?.length)) {
    const total =
      findings === 0
        ? c.green('no leaks found')
        : `${failing ? c.red(`${failing} failing`) : '0 failing'}, ${warning ? c.yellow(`${warning} warning`) : '0 warning'}${
            report.summary.baselined ? `, ${report.summary.baselined} known (baseline)` : ''
          }`;
    out.push(
      `${c.bold(c.magenta('leakwatch'))} ${total} ${c.dim(`in ${report.summary.files} files, ${report.summary.tests} tests`)}`,
    );
  }
  for (const written of options.written ?? []) out.push(c.dim(`  report: ${written}`));
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * The block for one file, printed by the worker itself when no main-process reporter is there to merge results
 * (the setup-file-only setups). Empty when the file is clean or console output is off.
 */
export function renderFileResult(
  result: FileResult,
  options: ResolvedOptions,
  root: string,
  runner: 'vitest' | 'jest',
): string {
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
  return renderConsole(report, { root, totals: false });
}

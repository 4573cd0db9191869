import { compareFindings, compareText, isFailing, type Finding } from '../finding.js';
import type { BaselineEntry } from '../baseline.js';
import type { ResolvedOptions } from '../options.js';

export interface TestInfo {
  titlePath: string[];
  durationMs?: number;
  state: 'passed' | 'failed' | 'skipped';
}

export interface FileInfo {
  /** Relative to the project root, forward slashes. */
  file: string;
  tests: TestInfo[];
  durationMs?: number;
  /**
   * The file did not finish: its test process crashed or was killed (out of memory, a signal) before leakwatch judged
   * it. Names the cause the runner gave (signal, exit code), else that no result came back.
   */
  error?: string;
}

/** The test runners leakwatch has an adapter for, as reports name them. */
export const RUNNERS = ['vitest', 'jest', 'mocha', 'node-test'] as const;
export type Runner = (typeof RUNNERS)[number];

/** Which part of a sharded run (`vitest --shard=2/3`, `jest --shard=2/3`) a report covers; 1-based. */
export interface Shard {
  index: number;
  count: number;
}

/** The JSON report, exactly as leak-report.schema.json describes it (extra fields: errors). */
export interface LeakReport {
  version: 1;
  runner: Runner;
  runnerVersion?: string;
  node: string;
  startedAt: string;
  durationMs: number;
  policy: ResolvedOptions;
  summary: {
    files: number;
    tests: number;
    findings: number;
    failing: number;
    warning: number;
    baselined: number;
    /** Test files that did not finish (see FileInfo.error). */
    fileErrors: number;
    /** false when the run did not reach its end (an interrupt, an early exit, bail): the report holds what finished. */
    complete: boolean;
  };
  findings: Finding[];
  /** Test files and tests as seen by the runner: the JUnit writer needs every test, not only leaky ones. */
  files: FileInfo[];
  /** Internal errors of leakwatch (never failures of the user's run). */
  errors: string[];
  /** Why the run did not reach its end; present only when summary.complete is false. */
  interrupted?: string;
  /**
   * Present when the run was one shard of a sharded run: the report covers only that shard's files (the baseline's
   * stale entries included). `leakwatch merge` unites the shards' reports into one without it.
   */
  shard?: Shard;
  /** The baseline file used, and its entries that no finding matched any more (to prune). */
  baseline?: { file: string; stale: BaselineEntry[] };
}

export interface ReportInput {
  runner: Runner;
  runnerVersion?: string;
  startedAt: Date;
  durationMs: number;
  options: ResolvedOptions;
  files: FileInfo[];
  findings: Finding[];
  errors: string[];
  /** Why the run did not reach its end (see LeakReport.interrupted); absent for a complete run. */
  interrupted?: string;
  shard?: Shard;
}

/**
 * The files whose baseline entries a report can judge: a shard's own test files and the files of its findings (the
 * main process's are named by their site), or every file when the report covers the whole run (undefined).
 */
export function judgedFiles(report: Pick<LeakReport, 'shard' | 'files' | 'findings'>): ReadonlySet<string> | undefined {
  if (!report.shard) return undefined;
  const files = new Set(report.files.map((f) => f.file));
  for (const f of report.findings) files.add(f.file);
  return files;
}

/** The summary's finding counts: warnings exclude known leaks, which count as baselined only. */
export function countFindings(
  findings: readonly Finding[],
): Pick<LeakReport['summary'], 'findings' | 'failing' | 'warning' | 'baselined'> {
  let failing = 0;
  let warning = 0;
  let baselined = 0;
  for (const f of findings) {
    if (isFailing(f)) failing++;
    if (f.baselined) baselined++;
    else if (f.action === 'warn') warning++;
  }
  return { findings: findings.length, failing, warning, baselined };
}

/** Sorts the findings and counts the summary again, after findings were added (the hang check). */
export function recount(report: LeakReport): void {
  report.findings.sort(compareFindings);
  Object.assign(report.summary, countFindings(report.findings));
}

export function buildReport(input: ReportInput): LeakReport {
  const findings = [...input.findings].sort(compareFindings);
  return {
    version: 1,
    runner: input.runner,
    runnerVersion: input.runnerVersion,
    node: process.version,
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    policy: input.options,
    summary: {
      files: input.files.length,
      tests: input.files.reduce((n, f) => n + f.tests.length, 0),
      ...countFindings(findings),
      fileErrors: input.files.filter((f) => f.error !== undefined).length,
      complete: input.interrupted === undefined,
    },
    ...(input.interrupted === undefined ? {} : { interrupted: input.interrupted }),
    ...(input.shard === undefined ? {} : { shard: input.shard }),
    findings,
    files: [...input.files].sort((a, b) => compareText(a.file, b.file)),
    errors: input.errors,
  };
}

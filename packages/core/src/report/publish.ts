import path from 'node:path';
import type { FileResult } from '../detector.js';
import { fileFailures, isFailing, type Finding } from '../finding.js';
import type { ResolvedOptions } from '../options.js';
import { loadBaseline } from '../baseline.js';
import { relativePath } from '../stack.js';
import { renderConsole } from './console.js';
import { publishToGitHub } from './github.js';
import { buildReport, judgedFiles, type FileInfo, type LeakReport, type Runner, type Shard } from './model.js';
import { writeReports } from './outputs.js';

export interface PublishInput {
  runner: Runner;
  runnerVersion?: string;
  startedAt: Date;
  options: ResolvedOptions;
  root: string;
  /**
   * Every test file of the run, with the result its worker sent (none when the file never reached judgement) and what
   * the runner said went wrong with the file as a whole.
   */
  files: Array<{ info: FileInfo; result?: FileResult; runnerError?: string }>;
  /** Where the table goes: the runner's own output stream. */
  stream: NodeJS.WritableStream;
  /**
   * The runner's own reporter annotates the errors of failed tests and files on GitHub Actions (Vitest's
   * `github-actions`), so the leaks leakwatch threw into them are annotated already.
   */
  runnerAnnotates?: boolean;
  /** Why the run did not reach its end (a signal, an early exit, bail): the report is marked incomplete. */
  interrupted?: string;
  /** The run is one shard of a sharded run. */
  shard?: Shard;
}

/**
 * A file with no result from its worker that the runner failed as a whole (a killed or crashed worker: a signal, an
 * exit code, out of memory) or that ran tests was never judged: an error of that file, with the runner's cause. A
 * file whose tests were all skipped has nothing to judge.
 */
export function fileError(file: { info: FileInfo; result?: FileResult; runnerError?: string }): string | undefined {
  if (file.result) return undefined;
  const cause = file.runnerError?.trim().split('\n')[0]?.trim();
  if (cause) return cause;
  if (file.info.tests.some((t) => t.state !== 'skipped'))
    return 'no result came back from its test process (it crashed or was killed before the file ended, or leakwatch was not active in it)';
  return undefined;
}

/**
 * The end of a run, the same for every runner: merge the workers' results, write the JSON and JUnit files, print the
 * table. Never throws: a broken report is said on stderr and the user's run keeps its result.
 */
export function publishRun(input: PublishInput): LeakReport | undefined {
  try {
    const findings: Finding[] = [];
    const errors: string[] = [];
    const matched = new Set<number>();
    // What each file's judgement threw into the runner (its tests' and its own errors); never the late findings.
    const thrown = new Set<string>();
    for (const { result } of input.files) {
      if (!result) continue;
      findings.push(...result.findings);
      for (const f of fileFailures(result, new Set())) if (f.site) thrown.add(f.id);
      errors.push(...result.errors);
      for (const index of result.baseline ?? []) matched.add(index);
    }
    const report = buildReport({
      runner: input.runner,
      runnerVersion: input.runnerVersion,
      startedAt: input.startedAt,
      durationMs: Date.now() - input.startedAt.getTime(),
      options: input.options,
      files: input.files.map((f) => {
        const error = fileError(f);
        return error === undefined ? f.info : { ...f.info, error };
      }),
      findings,
      errors,
      interrupted: input.interrupted,
      shard: input.shard,
    });
    const baselineFile = path.resolve(input.root, input.options.baseline);
    const baseline = loadBaseline(baselineFile);
    // Matched once, where each file was judged: stale are the entries no file's judgement matched. A shard judges
    // only its own files: another shard's entries are not its to call stale.
    if (baseline) {
      const judged = judgedFiles(report);
      report.baseline = {
        file: relativePath(input.root, baselineFile),
        stale: baseline.entries.filter((e, i) => !matched.has(i) && (!judged || judged.has(e.file))),
      };
    }
    const { written, errors: writeErrors } = writeReports(report, input.options, input.root);
    if (input.options.console) {
      const show = (p: string) => path.relative(process.cwd(), p) || p;
      const json = input.options.outputFile.json && path.resolve(input.root, input.options.outputFile.json);
      input.stream.write(
        renderConsole(report, {
          root: input.root,
          written: written.map(show),
          json: json && written.includes(json) ? show(json) : undefined,
          all: input.options.consoleAll,
        }),
      );
    }
    // Said even with console: false: the runner's own output shows these files as failed or interrupted, not why.
    input.stream.write(
      runNotes(
        report,
        written.map((p) => path.relative(process.cwd(), p) || p),
      ),
    );
    // A CI job that asked for a report and got none must not be green.
    for (const error of writeErrors) process.stderr.write(`${error}\n`);
    // A thrown leak without a site has no frame for the runner's reporter to place an annotation at: ours places it.
    publishToGitHub(report, input.stream, process.env, {
      annotatedByRunner: input.runnerAnnotates ? thrown : undefined,
    });
    // An interrupted run ends as the runner ends it (a signal, its own exit code): leakwatch only writes what it has.
    if (input.interrupted !== undefined) return report;
    // A failing finding fails the run. The runner fails it already for those a test or file threw; not for a file's
    // late work reported with the next file, which fails no test of either (see fileFailures).
    if (report.findings.some(isFailing) || writeErrors.length) process.exitCode = 1;
    return report;
  } catch (error) {
    process.stderr.write(
      `leakwatch internal error while reporting (the run was not affected): ${(error as Error)?.stack ?? error}\n`,
    );
    return undefined;
  }
}

/** One line per file that was not judged, and one for an incomplete run. */
function runNotes(report: LeakReport, written: string[]): string {
  const lines = report.files.flatMap((f) =>
    f.error === undefined ? [] : [`leakwatch: ${f.file} did not finish: ${f.error}`],
  );
  if (report.summary.complete === false) {
    const done = report.files.filter((f) => f.error === undefined).length;
    const where = written.length ? `; reports marked incomplete (complete: false): ${written.join(', ')}` : '';
    lines.push(
      `leakwatch: the run did not finish (${report.interrupted}): ${done} test file${done === 1 ? '' : 's'} finished${where}`,
    );
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

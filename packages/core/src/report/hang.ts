import c from 'tinyrainbow';
import { isFailing, type Finding } from '../finding.js';
import type { ResolvedOptions } from '../options.js';
import { originalTimers } from '../originals.js';
import { renderConsole } from './console.js';
import { buildReport, recount, type LeakReport, type Runner } from './model.js';
import { writeReports } from './outputs.js';

/** Longer than an awaited globalTeardown's close(), shorter than Jest's "did not exit one second after". */
export const HANG_CHECK_MS = 800;

export interface HangCheckInput {
  runner: Runner;
  /** The run's report, already written: hang findings are added to it and the files written again. */
  report: LeakReport | undefined;
  options: ResolvedOptions;
  root: string;
  stream: NodeJS.WritableStream;
  /** What user code in the main process still holds open, judged. */
  judge: () => Promise<Finding[]>;
}

/**
 * After the run, if the main process is still alive a moment later, say what user code there keeps it alive
 * (a server from globalSetup, an interval from a reporter), add it to the reports, and reap it when `reap` is on.
 * The timer is unref'ed: a process with nothing left open exits before it fires, and nothing is reported.
 */
export function watchForHang(input: HangCheckInput): void {
  const timer = originalTimers.setTimeout(() => {
    void check(input).catch((error) => {
      process.stderr.write(
        `leakwatch internal error in the hang check (the run was not affected): ${(error as Error)?.stack ?? error}\n`,
      );
    });
  }, HANG_CHECK_MS);
  timer.unref();
}

async function check(input: HangCheckInput): Promise<void> {
  const findings = await input.judge();
  if (findings.length === 0) return;
  const block = buildReport({
    runner: input.runner,
    startedAt: new Date(),
    durationMs: 0,
    options: input.options,
    files: [],
    findings,
    errors: [],
  });
  input.stream.write(
    `\n${c.bold(c.magenta('leakwatch'))} ${c.bold('the test run has finished, but this keeps the process alive:')}\n${renderConsole(block, { root: input.root, totals: false, all: input.options.consoleAll })}`,
  );
  if (input.options.reap) input.stream.write(`${c.dim('leakwatch: closed them (reap), so the process can exit')}\n`);
  if (input.report) {
    input.report.findings.push(...findings);
    recount(input.report);
    writeReports(input.report, input.options, input.root);
  }
  if (findings.some(isFailing)) process.exitCode = 1;
}

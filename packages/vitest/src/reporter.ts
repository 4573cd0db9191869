import path from 'node:path';
import {
  buildReport,
  renderConsole,
  writeReports,
  type FileInfo,
  type FileResult,
  type Finding,
  type ResolvedOptions,
  type TestInfo,
} from '@leakwatch/core';

/** The pieces of Vitest's reporter API (v4/v5) this reporter reads; kept structural so both majors type-check. */
interface TestCaseLike {
  name: string;
  parent: { type: string; name?: string; parent?: unknown };
  result(): { state: string };
  diagnostic(): { duration: number } | undefined;
}
interface TestModuleLike {
  moduleId: string;
  meta(): Record<string, unknown>;
  children: { allTests(): Iterable<TestCaseLike> };
  diagnostic(): { duration: number } | undefined;
}

function titlePath(test: TestCaseLike): string[] {
  const names = [test.name];
  let parent: any = test.parent;
  while (parent && parent.type === 'suite') {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  return names;
}

function state(test: TestCaseLike): TestInfo['state'] {
  const s = test.result().state;
  return s === 'failed' ? 'failed' : s === 'skipped' || s === 'pending' ? 'skipped' : 'passed';
}

/** Merges each worker's file results (sent as test-module meta) into one report: console table, JSON, JUnit. */
export class LeakwatchReporter {
  private startedAt = new Date();
  private version: string | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly root: string,
  ) {}

  onInit(vitest: { version?: string }): void {
    this.version = vitest.version;
  }

  onTestRunStart(): void {
    this.startedAt = new Date();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModuleLike>): void {
    try {
      const files: FileInfo[] = [];
      const findings: Finding[] = [];
      const errors: string[] = [];
      for (const mod of testModules) {
        const rel = path.relative(this.root, mod.moduleId).split(path.sep).join('/');
        files.push({
          file: rel,
          durationMs: mod.diagnostic()?.duration,
          tests: [...mod.children.allTests()].map((t) => ({ titlePath: titlePath(t), state: state(t), durationMs: t.diagnostic()?.duration })),
        });
        const result = mod.meta().leakwatch as FileResult | undefined;
        if (result) {
          findings.push(...result.findings);
          errors.push(...result.errors);
        }
      }
      const report = buildReport({
        runner: 'vitest',
        runnerVersion: this.version,
        startedAt: this.startedAt,
        durationMs: Date.now() - this.startedAt.getTime(),
        options: this.options,
        files,
        findings,
        errors,
      });
      const { written, errors: writeErrors } = writeReports(report, this.options, this.root);
      if (this.options.console) {
        const shown = written.map((p) => path.relative(process.cwd(), p) || p);
        process.stdout.write(renderConsole(report, { root: this.root, written: shown }));
      }
      for (const error of writeErrors) process.stderr.write(`leakwatch internal error (the run was not affected): ${error}\n`);
    } catch (error) {
      // A broken report must not break the user's run: say so and let Vitest finish.
      process.stderr.write(`leakwatch internal error while reporting (the run was not affected): ${(error as Error)?.stack ?? error}\n`);
    }
  }
}

export default LeakwatchReporter;

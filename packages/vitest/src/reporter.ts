import {
  publishRun,
  relativePath,
  watchForHang,
  type FileResult,
  type ResolvedOptions,
  type TestInfo,
} from '@leakwatch/core/adapter';

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

  private watchMode = false;

  onInit(vitest: { version?: string; config?: { watch?: boolean } }): void {
    this.version = vitest.version;
    this.watchMode = vitest.config?.watch === true;
  }

  onTestRunStart(): void {
    this.startedAt = new Date();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModuleLike>): void {
    const report = publishRun({
      runner: 'vitest',
      runnerVersion: this.version,
      startedAt: this.startedAt,
      options: this.options,
      root: this.root,
      stream: process.stdout,
      files: testModules.map((mod) => ({
        info: {
          file: relativePath(this.root, mod.moduleId),
          durationMs: mod.diagnostic()?.duration,
          tests: [...mod.children.allTests()].map((t) => ({
            titlePath: titlePath(t),
            state: state(t),
            durationMs: t.diagnostic()?.duration,
          })),
        },
        result: mod.meta().leakwatch as FileResult | undefined,
      })),
    });
    // In watch mode the process is meant to stay alive.
    if (!this.watchMode)
      watchForHang({ runner: 'vitest', report, options: this.options, root: this.root, stream: process.stdout });
  }
}

export default LeakwatchReporter;

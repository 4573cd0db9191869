import type { RunCollector, TestInfo } from '@leakwatch/core/adapter';

/** The pieces of Vitest's reporter API (v4/v5) this reporter reads; kept structural so both majors type-check. */
interface TestCaseLike {
  name: string;
  parent: { type: string; name?: string; parent?: unknown };
  result(): { state: string };
  diagnostic(): { duration: number } | undefined;
}
interface TestModuleLike {
  moduleId: string;
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

/**
 * Whether Vitest's own `github-actions` reporter is on: it annotates every error of a failed test, suite or file
 * (a LeakError among them) at its nearest stack frame. Vitest adds it to the default reporters when
 * GITHUB_ACTIONS is 'true' and no reporter is configured; a user may also name it, with options, or pass an instance.
 * The resolved config lists names as [name, options]; an instance is known by its class name (Vitest 4's
 * GithubActionsReporter: if that name changes, an instance passed by hand is missed and leaks are annotated twice).
 */
export function vitestAnnotates(reporters: readonly unknown[] | undefined): boolean {
  return (reporters ?? []).some((reporter) => {
    const name = Array.isArray(reporter) ? reporter[0] : reporter;
    if (name === 'github-actions') return true;
    return typeof name === 'object' && name !== null && name.constructor?.name === 'GithubActionsReporter';
  });
}

/** Tells the run collector when a run starts and ends, and which files and tests Vitest saw. */
export class LeakwatchReporter {
  private version: string | undefined;

  constructor(private readonly collector: RunCollector) {}

  private watchMode = false;
  private annotates = false;

  onInit(vitest: { version?: string; config?: { watch?: boolean; reporters?: readonly unknown[] } }): void {
    this.version = vitest.version;
    this.watchMode = vitest.config?.watch === true;
    this.annotates = vitestAnnotates(vitest.config?.reporters);
  }

  onTestRunStart(): void {
    this.collector.start();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModuleLike>): void {
    this.collector.finish({
      runnerVersion: this.version,
      stream: process.stdout,
      // In watch mode the process is meant to stay alive.
      watchMode: this.watchMode,
      runnerAnnotates: this.annotates,
      files: testModules.map((mod) => ({
        path: mod.moduleId,
        durationMs: mod.diagnostic()?.duration,
        tests: [...mod.children.allTests()].map((t) => ({
          titlePath: titlePath(t),
          state: state(t),
          durationMs: t.diagnostic()?.duration,
        })),
      })),
    });
  }
}

export default LeakwatchReporter;

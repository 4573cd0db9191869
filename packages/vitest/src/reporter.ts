import path from 'node:path';
import type { FileResult, RunCollector, RunFile, TestInfo } from '@leakwatch/core/adapter';

/** A test annotation as Vitest keeps it on the test's task (Vitest ≥ 3.2). */
interface Annotation {
  type: string;
  message: string;
  location?: { file: string; line: number; column: number };
}

/** The pieces of Vitest's reporter API (v4/v5) this reporter reads; kept structural so both majors type-check. */
interface TestCaseLike {
  /** Vitest's own task: its `annotations` are what Vitest's JUnit (as properties) and HTML reporters show. */
  task?: { annotations?: Annotation[] };
  name: string;
  parent: { type: string; name?: string; parent?: unknown };
  result(): { state: string };
  diagnostic(): { duration: number } | undefined;
}
interface TestModuleLike {
  moduleId: string;
  children: { allTests(): Iterable<TestCaseLike> };
  diagnostic(): { duration: number } | undefined;
  /** Errors of the module as a whole (it failed to load); Vitest 4+. */
  errors?(): ReadonlyArray<{ message?: string }>;
  /** 'pending' or 'queued' at the run's end: Vitest never got the file's results (its worker exited). */
  state?(): string;
  /** The file task's meta: leakwatch's result for the file when the run kept it there (runtime.ts, attachResult). */
  meta?(): Record<string, unknown>;
}

function runFile(mod: TestModuleLike, workers: string[] = [], cancelled = false): RunFile {
  const errors = (mod.errors?.() ?? []).map((e) => e.message ?? String(e));
  const moduleState = mod.state?.();
  // Only what Vitest says: the file's state, and its pool's worker errors (which name no file).
  if (!cancelled && (moduleState === 'pending' || moduleState === 'queued'))
    errors.push(
      `Vitest has no result for it (state: ${moduleState})${workers.length ? `: ${workers.join('; ')}` : ''}`,
    );
  const tests: TestInfo[] = [];
  for (const t of mod.children.allTests()) {
    const s = state(t);
    // A test without a result is neither passed nor skipped: the file's error says why.
    if (s) tests.push({ titlePath: titlePath(t), state: s, durationMs: t.diagnostic()?.duration });
  }
  const attached = attachedResult(mod);
  return {
    path: mod.moduleId,
    durationMs: mod.diagnostic()?.duration,
    tests,
    error: errors.length ? errors.join('; ') : undefined,
    ...(attached ? { result: attached } : {}),
  };
}

/** The result the file's task carried in its meta (a blob read by `--merge-reports`), if any. */
function attachedResult(mod: TestModuleLike): FileResult | undefined {
  const attached = mod.meta?.()?.leakwatch as FileResult | undefined;
  return attached && Array.isArray(attached.findings) ? attached : undefined;
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

/** Undefined for a test Vitest has no result for ('pending': its file never finished). */
function state(test: TestCaseLike): TestInfo['state'] | undefined {
  const s = test.result().state;
  return s === 'failed' ? 'failed' : s === 'skipped' ? 'skipped' : s === 'passed' ? 'passed' : undefined;
}

/** What Vitest says about its pool's workers in the run's unhandled errors ("Worker exited unexpectedly"). */
function workerErrors(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: { message?: unknown; cause?: { message?: unknown } } | undefined) => {
    const parts = [e?.message, e?.cause?.message].filter((m): m is string => typeof m === 'string' && m !== '');
    const text = parts.map((m, i) => (i < parts.length - 1 ? m.replace(/\.$/, '') : m)).join(': ');
    return /worker/i.test(text) ? [text] : [];
  });
}

/**
 * Whether a reporter is in Vitest's resolved list, named (alone or as [name, options]) or passed as an instance, known by
 * its class name (if Vitest renames the class, an instance passed by hand is missed).
 */
function hasReporter(reporters: readonly unknown[] | undefined, name: string, className: string): boolean {
  return (reporters ?? []).some((reporter) => {
    const entry = Array.isArray(reporter) ? reporter[0] : reporter;
    if (entry === name) return true;
    return typeof entry === 'object' && entry !== null && entry.constructor?.name === className;
  });
}

/**
 * Whether Vitest's own `github-actions` reporter is on: it annotates every error of a failed test, suite or file
 * (a LeakError among them) at its nearest stack frame. Vitest adds it to the default reporters when GITHUB_ACTIONS is
 * 'true' and no reporter is configured; a user may also name it, with options, or pass an instance (missed, and leaks
 * annotated twice, if Vitest renames GithubActionsReporter).
 */
export function vitestAnnotates(reporters: readonly unknown[] | undefined): boolean {
  return hasReporter(reporters, 'github-actions', 'GithubActionsReporter');
}

/**
 * Whether the run writes Vitest's blob report (`--reporter=blob`, for `vitest --merge-reports` later): each file's
 * result must then travel in the blob, with the file.
 */
export function vitestKeepsBlobs(reporters: readonly unknown[] | undefined): boolean {
  return hasReporter(reporters, 'blob', 'BlobReporter');
}

/**
 * Each finding of a test as an annotation of that test, with the leak's site as its location, so that Vitest's own
 * JUnit reporter (a <property> per annotation) and HTML reporter show the leaks too. Added to the test's task before
 * those reporters write (at the run's end), once: a test already carrying the same annotation (replayed from a blob
 * by `--merge-reports`) keeps it. Not sent to `onTestCaseAnnotate`: the GitHub annotations are leakwatch's own, and a
 * leak thrown into the test is annotated by Vitest's `github-actions` reporter as the test's error.
 */
function annotateTests(mod: TestModuleLike, result: FileResult, root: string): void {
  const tests = new Map<string, TestCaseLike>();
  for (const t of mod.children.allTests()) tests.set(titlePath(t).join('\u0000'), t);
  for (const f of result.findings) {
    const annotations = f.test ? tests.get(f.test.join('\u0000'))?.task?.annotations : undefined;
    if (!Array.isArray(annotations)) continue;
    const annotation: Annotation = {
      type: f.baselined ? 'notice' : f.action === 'warn' ? 'warning' : 'error',
      message: `leakwatch: ${f.message}`,
      ...(f.site
        ? { location: { file: path.resolve(root, f.site.file), line: f.site.line, column: f.site.column } }
        : {}),
    };
    const same = (a: Annotation) => a.message === annotation.message && a.location?.line === annotation.location?.line;
    if (!annotations.some(same)) annotations.push(annotation);
  }
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

  onTestModuleEnd(mod: TestModuleLike): void {
    // Read only if the run is interrupted before its end.
    this.collector.fileDone(mod.moduleId, () => runFile(mod));
    const result = this.collector.resultOf({ path: mod.moduleId, result: attachedResult(mod) });
    if (result?.findings.length) annotateTests(mod, result, this.collector.root);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModuleLike>, unhandledErrors?: unknown, reason?: string): void {
    // Vitest ends a run it cancelled (--bail, a keypress) as "interrupted".
    const cancelled = reason === 'interrupted';
    const workers = workerErrors(unhandledErrors);
    this.collector.finish({
      runnerVersion: this.version,
      stream: process.stdout,
      // In watch mode the process is meant to stay alive.
      watchMode: this.watchMode,
      runnerAnnotates: this.annotates,
      files: testModules.map((mod) => runFile(mod, workers, cancelled)),
      cancelled,
    });
  }
}

export default LeakwatchReporter;

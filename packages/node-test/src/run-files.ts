/**
 * The run's files and tests as the runner's reporter stream tells them in the main process (`test:start`,
 * `test:pass`, `test:fail` of every test process, re-emitted there with its file). The stream has no title paths:
 * each event names one test and its nesting, and a test's start comes before its subtests' results, so a stack of
 * names per file gives them.
 */
import path from 'node:path';
import type { RunFile, TestInfo } from '@leakwatch/core/adapter';

export interface TestEvent {
  type: string;
  data: {
    name?: string;
    nesting?: number;
    file?: string;
    skip?: unknown;
    todo?: unknown;
    details?: {
      duration_ms?: number;
      type?: string;
      error?: { failureType?: string; exitCode?: number | null; signal?: string | null; cause?: unknown };
    };
  };
}

interface FileState {
  stack: string[];
  tests: TestInfo[];
  durationMs?: number;
  error?: string;
}

export class RunFiles {
  private readonly files = new Map<string, FileState>();

  constructor(
    private readonly cwd: string,
    /** Called as a file's results arrive: the run collector may need them if the run is interrupted. */
    private readonly onFile: (file: string, read: () => RunFile) => void = () => {},
  ) {}

  private state(file: string): FileState {
    let state = this.files.get(file);
    if (!state) {
      state = { stack: [], tests: [] };
      this.files.set(file, state);
      this.onFile(file, () => this.runFile(file, state!));
    }
    return state;
  }

  /** `from`: the test file the event came from, when the caller knows it; else where its test was declared. */
  event({ type, data }: TestEvent, from?: string): void {
    if (type !== 'test:start' && type !== 'test:pass' && type !== 'test:fail') return;
    const declaredIn = data?.file;
    if (typeof declaredIn !== 'string' || typeof data.name !== 'string') return;
    const file = path.resolve(this.cwd, from ?? declaredIn);
    const nesting = data.nesting ?? 0;
    // The file itself: the runner's test for its process (named by its path), or a failed root after() hook, which
    // node:test reports under the file (leakwatch's verdict on the file is one).
    const isFile = nesting === 0 && path.resolve(this.cwd, data.name) === file;
    const state = this.state(file);
    if (type === 'test:start') {
      if (isFile) return;
      state.stack.length = nesting;
      state.stack[nesting] = data.name;
      return;
    }
    const details = data.details ?? {};
    if (isFile) {
      if (details.duration_ms !== undefined && details.type === undefined) state.durationMs ??= details.duration_ms;
      const error = details.error;
      if (
        type === 'test:fail' &&
        error &&
        error.failureType !== 'subtestsFailed' &&
        error.failureType !== 'hookFailed'
      ) {
        state.error = error.signal
          ? `its test process was killed by ${error.signal}`
          : typeof error.exitCode === 'number'
            ? `its test process exited with code ${error.exitCode}`
            : undefined;
      }
      return;
    }
    if (details.type === 'suite') return;
    const titlePath = [...state.stack.slice(0, nesting), data.name];
    state.tests.push({
      titlePath,
      state:
        data.skip !== undefined || data.todo !== undefined ? 'skipped' : type === 'test:fail' ? 'failed' : 'passed',
      durationMs: details.duration_ms,
    });
  }

  private runFile(file: string, state: FileState): RunFile {
    return { path: file, durationMs: state.durationMs, tests: state.tests, error: state.error };
  }

  all(): RunFile[] {
    return [...this.files].map(([file, state]) => this.runFile(file, state));
  }
}

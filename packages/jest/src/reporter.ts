import { RunCollector, validateOptions, type LeakwatchOptions, type TestInfo } from '@leakwatch/core/adapter';
import { loadedJestPackage, packageVersion } from './running-jest.js';

interface AssertionLike {
  ancestorTitles: string[];
  title: string;
  status: string;
  duration?: number | null;
}
interface TestFileResultLike {
  testFilePath: string;
  testResults: AssertionLike[];
  perfStats?: { runtime?: number };
  /** The file failed as a whole: its worker was killed or crashed (with the signal or exit code), it failed to load. */
  testExecError?: { message?: string } | null;
}

function runFile(fileResult: TestFileResultLike) {
  return {
    path: fileResult.testFilePath,
    durationMs: fileResult.perfStats?.runtime,
    tests: fileResult.testResults.map((a) => ({
      titlePath: [...a.ancestorTitles, a.title],
      state: state(a.status),
      durationMs: a.duration ?? undefined,
    })),
    error: fileResult.testExecError?.message || undefined,
  };
}

function state(status: string): TestInfo['state'] {
  return status === 'failed' ? 'failed' : status === 'passed' ? 'passed' : 'skipped';
}

/** Tells the run collector when a run starts and ends, and which files and tests Jest saw. */
export class LeakwatchReporter {
  private readonly collector: RunCollector;
  private readonly fromCall: LeakwatchOptions | undefined;
  private readonly version: string | undefined;
  private readonly watchMode: boolean;

  constructor(
    globalConfig: {
      rootDir: string;
      watch?: boolean;
      watchAll?: boolean;
      shard?: { shardIndex: number; shardCount: number };
    },
    reporterOptions: { options?: LeakwatchOptions } = {},
  ) {
    const shard = globalConfig.shard;
    this.collector = new RunCollector('jest', globalConfig.rootDir, {
      shard: shard && { index: shard.shardIndex, count: shard.shardCount },
    });
    this.watchMode = Boolean(globalConfig.watch || globalConfig.watchAll);
    this.fromCall = reporterOptions.options && validateOptions(reporterOptions.options, 'withLeakwatch() options');
    // The running Jest's version, not whichever `jest` the project resolves to.
    this.version = packageVersion(loadedJestPackage('@jest/core')) ?? packageVersion(loadedJestPackage('jest-cli'));
  }

  /** Jest awaits this before it starts its workers, which inherit the run's channel. */
  async onRunStart(): Promise<void> {
    await this.collector.configure(this.fromCall);
    this.collector.start();
  }

  /** Read only if the run is interrupted before its end. */
  onTestFileResult(_test: unknown, fileResult: TestFileResultLike): void {
    this.collector.fileDone(fileResult.testFilePath, () => runFile(fileResult));
  }

  onRunComplete(
    _contexts: unknown,
    aggregated: { testResults: TestFileResultLike[]; numTotalTestSuites?: number },
  ): void {
    this.collector.finish({
      runnerVersion: this.version,
      stream: process.stderr,
      // Jest waits for the main process to empty its event loop; in watch mode it is meant to stay alive.
      watchMode: this.watchMode,
      files: aggregated.testResults.map(runFile),
      // With --bail, Jest reports the run complete after fewer files than it planned.
      plannedFiles: aggregated.numTotalTestSuites,
    });
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}

export default LeakwatchReporter;

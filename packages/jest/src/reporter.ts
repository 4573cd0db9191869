import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Detector,
  loadBaseline,
  loadConfigFile,
  publishRun,
  relativePath,
  resolveOptions,
  validateOptions,
  watchForHang,
  type LeakwatchOptions,
  type ResolvedOptions,
  type TestInfo,
} from '@leakwatch/core/adapter';
import { RUN_DIR_ENV, readFileResult } from './results.js';
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
}

function state(status: string): TestInfo['state'] {
  return status === 'failed' ? 'failed' : status === 'passed' ? 'passed' : 'skipped';
}

/**
 * Runs in Jest's main process: creates the run directory the workers write to, then merges their per-file results
 * into one report (console table, JSON, JUnit). `--watch` reruns replace the reports rather than pile up.
 */
export class LeakwatchReporter {
  private readonly runDir: string;
  private readonly rootDir: string;
  private readonly fromCall: LeakwatchOptions | undefined;
  private options: ResolvedOptions | undefined;
  private startedAt = new Date();
  private version: string | undefined;

  private readonly watchMode: boolean;

  constructor(
    globalConfig: { rootDir: string; watch?: boolean; watchAll?: boolean },
    reporterOptions: { options?: LeakwatchOptions } = {},
  ) {
    this.rootDir = globalConfig.rootDir;
    this.watchMode = Boolean(globalConfig.watch || globalConfig.watchAll);
    this.fromCall = reporterOptions.options && validateOptions(reporterOptions.options, 'withLeakwatch() options');
    // Set before Jest forks its workers, which inherit the environment.
    this.runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-jest-'));
    process.env[RUN_DIR_ENV] = this.runDir;
    // Gone when Jest's process ends, whichever way (a watch session, a run cut short by a failing globalSetup).
    const runDir = this.runDir;
    process.once('exit', () => fs.rmSync(runDir, { recursive: true, force: true }));
    // The running Jest's version, not whichever `jest` the project resolves to.
    this.version = packageVersion(loadedJestPackage('@jest/core')) ?? packageVersion(loadedJestPackage('jest-cli'));
  }

  async onRunStart(): Promise<void> {
    this.startedAt = new Date();
    for (const entry of fs.readdirSync(this.runDir)) fs.rmSync(path.join(this.runDir, entry), { force: true });
    const loaded = await loadConfigFile(this.rootDir);
    this.options = resolveOptions(loaded?.options, this.fromCall);
    Detector.shared().configure(this.options, this.rootDir);
    // A corrupt baseline is said once, here, as well as by each test file that cannot be judged without it.
    loadBaseline(path.resolve(this.rootDir, this.options.baseline));
  }

  onRunComplete(_contexts: unknown, aggregated: { testResults: TestFileResultLike[] }): void {
    const options = this.options ?? resolveOptions(this.fromCall);
    const report = publishRun({
      runner: 'jest',
      runnerVersion: this.version,
      startedAt: this.startedAt,
      options,
      root: this.rootDir,
      stream: process.stderr,
      files: aggregated.testResults.map((fileResult) => ({
        info: {
          file: relativePath(this.rootDir, fileResult.testFilePath),
          durationMs: fileResult.perfStats?.runtime,
          tests: fileResult.testResults.map((a) => ({
            titlePath: [...a.ancestorTitles, a.title],
            state: state(a.status),
            durationMs: a.duration ?? undefined,
          })),
        },
        result: readFileResult(this.runDir, fileResult.testFilePath),
      })),
    });
    if (!this.watchMode) fs.rmSync(this.runDir, { recursive: true, force: true });
    // Jest waits for the main process to empty its event loop; in watch mode it is meant to stay alive.
    if (!this.watchMode) watchForHang({ runner: 'jest', report, options, root: this.rootDir, stream: process.stderr });
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}

export default LeakwatchReporter;

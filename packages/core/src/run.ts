/**
 * The run's main-process half, the same for every runner: resolves the options once, opens the channel the test
 * processes send their file results through, and at the end merges them into the reports and watches for a hang.
 * The adapter's reporter only says when the run starts and ends, and which files and tests the runner saw.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBaseline } from './baseline.js';
import { loadConfigFile } from './config-file.js';
import { Detector } from './detector.js';
import { resolveOptions, type LeakwatchOptions, type ResolvedOptions } from './options.js';
import { watchForHang } from './report/hang.js';
import type { TestInfo } from './report/model.js';
import { publishRun } from './report/publish.js';
import { publishChannel, receiveResult } from './run-channel.js';
import { relativePath } from './stack.js';

/** A test file as the runner reports it at the end of the run. */
export interface RunFile {
  /** Absolute, as the test process saw it. */
  path: string;
  durationMs?: number;
  tests: TestInfo[];
}

export class RunCollector {
  options: ResolvedOptions | undefined;
  private dir: string | undefined;
  private startedAt = new Date();

  constructor(
    readonly runner: 'vitest' | 'jest',
    readonly root: string,
  ) {}

  /**
   * Resolves the options (leakwatch.config.* under the runner config's own call) and checks the baseline: a bad
   * option or an unreadable baseline stops the run here, before any test. Then records what user code in the main
   * process makes (globalSetup, plugins), to say at the end what keeps it alive.
   */
  async configure(fromCall: LeakwatchOptions | undefined): Promise<ResolvedOptions> {
    const loaded = await loadConfigFile(this.root);
    const options = resolveOptions([loaded?.options, fromCall], process.env);
    loadBaseline(path.resolve(this.root, options.baseline));
    this.options = options;
    Detector.shared().configure(options, this.root);
    return options;
  }

  /** Before the runner starts its test processes: they inherit the channel. Each run (watch mode) starts empty. */
  start(): void {
    this.startedAt = new Date();
    if (!this.dir) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leakwatch-${this.runner}-`));
      this.dir = dir;
      // Gone when the runner's process ends, however it ends (a watch session, a failing globalSetup).
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    } else {
      for (const entry of fs.readdirSync(this.dir)) fs.rmSync(path.join(this.dir, entry), { force: true });
    }
    const options = this.options ?? resolveOptions([], process.env);
    publishChannel({ pid: process.pid, root: this.root, options, dir: this.dir });
  }

  /**
   * The end of a run: every file's result merged into the console table, JSON and JUnit files; then, unless the
   * runner stays alive on purpose (watch mode), what keeps the main process alive.
   */
  finish(input: {
    files: RunFile[];
    runnerVersion?: string;
    stream: NodeJS.WritableStream;
    watchMode: boolean;
    /** The runner's own reporter annotates failed tests and files on GitHub Actions (see PublishInput). */
    runnerAnnotates?: boolean;
  }): void {
    const options = this.options ?? resolveOptions([], process.env);
    const dir = this.dir;
    const report = publishRun({
      runner: this.runner,
      runnerVersion: input.runnerVersion,
      startedAt: this.startedAt,
      options,
      root: this.root,
      stream: input.stream,
      runnerAnnotates: input.runnerAnnotates,
      files: input.files.map((file) => ({
        info: { file: relativePath(this.root, file.path), durationMs: file.durationMs, tests: file.tests },
        result: dir ? receiveResult(dir, file.path) : undefined,
      })),
    });
    if (input.watchMode) return;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    watchForHang({
      runner: this.runner,
      report,
      options,
      root: this.root,
      stream: input.stream,
      judge: () => Detector.shared().judgeMainProcess(),
    });
  }
}

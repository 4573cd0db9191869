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
import { Detector, type FileResult } from './detector.js';
import { resolveOptions, type LeakwatchOptions, type ResolvedOptions } from './options.js';
import { watchForHang } from './report/hang.js';
import type { Runner, Shard, TestInfo } from './report/model.js';
import { removeReports } from './report/outputs.js';
import { publishRun, type PublishInput } from './report/publish.js';
import { publishChannel, receiveAll, receiveResult } from './run-channel.js';
import { relativePath } from './stack.js';

/** A test file as the runner reports it at the end of the run. */
export interface RunFile {
  /** Absolute, as the test process saw it. */
  path: string;
  durationMs?: number;
  tests: TestInfo[];
  /** What the runner says went wrong with the file as a whole (a crashed or killed worker, a load error), if anything. */
  error?: string;
  /** The file's result as the runner carried it (see RunChannel.attach), read when none came through the channel. */
  result?: FileResult;
}

/** How the run ended, as the runner tells it at its end. */
export interface RunEnd {
  files: RunFile[];
  runnerVersion?: string;
  stream: NodeJS.WritableStream;
  watchMode: boolean;
  /** The runner cancelled the run before every file ran (Vitest's `--bail`: its run ends "interrupted"). */
  cancelled?: boolean;
  /** How many test files the runner meant to run (Jest), when it says: fewer reported means it stopped early. */
  plannedFiles?: number;
  /** The runner's own reporter annotates failed tests and files on GitHub Actions (see PublishInput). */
  runnerAnnotates?: boolean;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export class RunCollector {
  options: ResolvedOptions | undefined;
  private dir: string | undefined;
  private startedAt = new Date();
  /** Files the runner has reported finished so far, read only if the run is interrupted. */
  private readonly finished = new Map<string, () => RunFile>();
  /** Results already read, by the file's path (see resultOf). */
  private readonly results = new Map<string, FileResult>();
  /** Removes the interrupt handlers of the run in progress; undefined between runs. */
  private disarm: (() => void) | undefined;

  constructor(
    readonly runner: Runner,
    readonly root: string,
    private readonly run: {
      /** The shard this run is (`--shard=2/3`), said in its reports. */
      shard?: Shard;
      /** The runner keeps each file's result with its own too (see RunChannel.attach). */
      attach?: boolean;
    } = {},
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
    publishChannel({
      pid: process.pid,
      root: this.root,
      options,
      dir: this.dir,
      ...(this.run.attach ? { attach: true } : {}),
    });
    removeReports(options, this.root);
    this.finished.clear();
    this.results.clear();
    this.arm();
  }

  /**
   * The runner reports a file finished (read lazily: only an interrupted run needs it before the end), so that an
   * interrupted run's report lists its tests.
   */
  fileDone(file: string, read: () => RunFile): void {
    this.finished.set(file, read);
  }

  /**
   * Until the run ends, SIGINT, SIGTERM or the process exiting (a `process.exit()` in band, a crash of the runner)
   * writes what the run has so far, marked incomplete. The runner's own handling is left as it was: ours runs first
   * and synchronously; when no one else listens for the signal, it is raised again once ours is removed, so the
   * process ends by the signal as it would have without leakwatch. Nothing here keeps the process alive.
   */
  private arm(): void {
    if (this.disarm) return;
    const onSignal = (signal: NodeJS.Signals) => {
      // Prepended, so every other listener (a `once` one included) is still registered while ours runs.
      const others = process.listenerCount(signal) - 1;
      this.disarm?.();
      this.publishIncomplete(signal);
      if (others > 0) return;
      // Ended by the signal, the process runs no 'exit' listener: the results directory goes now.
      if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
      process.kill(process.pid, signal);
    };
    const onExit = (code: number) => {
      this.disarm?.();
      this.publishIncomplete(`the runner's process exited with code ${code} before the run ended`);
    };
    for (const signal of SIGNALS) process.prependListener(signal, onSignal);
    process.prependListener('exit', onExit);
    this.disarm = () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
      process.off('exit', onExit);
      this.disarm = undefined;
    };
  }

  /** The files judged so far (reported by the runner or only sent by their worker), in a report marked incomplete. */
  private publishIncomplete(reason: string): void {
    try {
      const dir = this.dir;
      const files = [...this.finished.values()].map((read) => this.input(read(), dir));
      const listed = new Set(files.map((f) => f.info.file));
      for (const result of dir ? receiveAll(dir) : [])
        if (!listed.has(result.file)) files.push({ info: { file: result.file, tests: [] }, result });
      publishRun({
        runner: this.runner,
        startedAt: this.startedAt,
        options: this.options ?? resolveOptions([], process.env),
        root: this.root,
        stream: process.stderr,
        files,
        interrupted: reason,
        shard: this.run.shard,
      });
    } catch (error) {
      process.stderr.write(
        `leakwatch internal error while reporting an interrupted run: ${(error as Error)?.stack ?? error}\n`,
      );
    }
  }

  private input(file: RunFile, dir: string | undefined): PublishInput['files'][number] {
    return {
      info: { file: relativePath(this.root, file.path), durationMs: file.durationMs, tests: file.tests },
      result: this.resultOf(file, dir),
      runnerError: file.error,
    };
  }

  /**
   * The file's result, as its test process sent it through the channel or the runner carried it (RunFile.result);
   * undefined when none came back.
   */
  resultOf(file: Pick<RunFile, 'path' | 'result'>, dir = this.dir): FileResult | undefined {
    const known = this.results.get(file.path);
    if (known) return known;
    const result = (dir ? receiveResult(dir, file.path) : undefined) ?? file.result;
    // Kept once found (the adapter may ask as the file ends, and the report at the run's end); never a miss, which a
    // later look may still find.
    if (result) this.results.set(file.path, result);
    return result;
  }

  /**
   * The end of a run: every file's result merged into the console table, JSON and JUnit files; then, unless the
   * runner stays alive on purpose (watch mode), what keeps the main process alive.
   */
  finish(input: RunEnd): void {
    this.disarm?.();
    this.finished.clear();
    const options = this.options ?? resolveOptions([], process.env);
    const dir = this.dir;
    const planned = input.plannedFiles ?? 0;
    const interrupted = input.cancelled
      ? 'the runner cancelled the run before every test file ran (bail)'
      : planned > input.files.length
        ? `the runner stopped early (bail): ${input.files.length} of ${planned} test files ran`
        : undefined;
    const report = publishRun({
      runner: this.runner,
      runnerVersion: input.runnerVersion,
      startedAt: this.startedAt,
      options,
      root: this.root,
      stream: input.stream,
      runnerAnnotates: input.runnerAnnotates,
      files: input.files.map((file) => this.input(file, dir)),
      interrupted,
      shard: this.run.shard,
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

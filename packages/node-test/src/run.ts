/**
 * The run's half in the runner's main process: the run collector, told the files and tests by the runner's own event
 * stream. Two ways in, one RunTap: the preload (`--require`, which Node also loads in the runner's process) reads the
 * stream of `run()`'s root test; the reporter (`--test-reporter`, for `--import`, which Node loads in test processes
 * only) reads the same events as its source.
 */
import { Detector, RunCollector, type Shard } from '@leakwatch/core/adapter';
import { RunFiles, type TestEvent } from './run-files.js';

/** One leakwatch run per process: the preload and the reporter may both be given. */
const ACTIVE = Symbol.for('leakwatch.nodeTestRun');

/** `--test-shard=2/3` of this process's flags, as the runner reads it. */
export function shardOf(execArgv: readonly string[]): Shard | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const value =
      arg === '--test-shard' ? execArgv[i + 1] : arg.startsWith('--test-shard=') ? arg.slice(13) : undefined;
    const match = value && /^(\d+)\/(\d+)$/.exec(value);
    if (match) return { index: Number(match[1]), count: Number(match[2]) };
  }
  return undefined;
}

export class RunTap {
  readonly collector: RunCollector;
  private readonly files: RunFiles;
  /** Settled once the options are resolved and the channel open: test processes must not start before. */
  readonly started: Promise<void>;
  private finished = false;

  /** The active run of this process, if the preload or the reporter made one. */
  static active(): RunTap | undefined {
    return (globalThis as any)[ACTIVE];
  }

  constructor(cwd: string) {
    (globalThis as any)[ACTIVE] = this;
    // From here on, what user code in the runner's process makes (another preload) is recorded, to say at the end
    // what keeps it alive.
    Detector.shared().watchMainProcess();
    this.collector = new RunCollector('node-test', cwd, { shard: shardOf(process.execArgv) });
    this.files = new RunFiles(cwd, (file, read) => this.collector.fileDone(file, read));
    this.started = this.collector.configure(undefined).then(
      () => this.collector.start(),
      (error: unknown) => {
        // A bad option or baseline stops the run before any test file starts (they are held until now), as a bad
        // Jest or Vitest config does: each file would otherwise fail with the same message.
        process.stderr.write(`${(error as Error)?.message ?? error}\n`);
        process.exit(1);
      },
    );
  }

  /** `file`: the test file the event comes from, when known (else the event's own `file`). */
  event(event: TestEvent, file?: string): void {
    try {
      this.files.event(event, file);
    } catch (error) {
      process.stderr.write(`leakwatch internal error (the run was not affected): ${(error as Error)?.stack}\n`);
    }
  }

  /** The runner's stream ended: every test process has exited and reported. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    try {
      this.collector.finish({
        files: this.files.all(),
        runnerVersion: process.version.replace(/^v/, ''),
        stream: process.stderr,
        watchMode: false,
      });
    } catch (error) {
      process.stderr.write(`leakwatch internal error (the run was not affected): ${(error as Error)?.stack}\n`);
    }
  }
}

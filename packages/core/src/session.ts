/**
 * One test file's session with the detector, the same for every runner: the adapter translates its runner's
 * lifecycle into these calls and throws the errors they return where its runner shows them.
 *
 *   new FileSession(...) → (testStart → testEnd)* → fileEnd
 *
 * Options come from the run's channel when a collector runs in the main process (the plugin, the reporter); without
 * one (a setup file alone) the session loads leakwatch.config.* itself and prints its file's block.
 */
import { checkConfigFileNow, loadConfigFile } from './config-file.js';
import { Detector, type FileResult, type Realm } from './detector.js';
import { fileFailures, isFailing } from './finding.js';
import { leakError } from './leak-error.js';
import { resolveOptions, type LeakwatchOptions, type ResolvedOptions } from './options.js';
import { originalTimers } from './originals.js';
import { renderFileResult } from './report/console.js';
import type { Runner } from './report/model.js';
import { joinRun, sendResult, type RunChannel } from './run-channel.js';
import type { Scope, TestRef } from './tracker.js';

export interface FileSessionInit {
  runner: Runner;
  /** The test file, absolute. */
  file: string;
  /** The project root, where leakwatch.config.* is looked up when no collector runs. */
  root: string;
  /** The global object and process the file's code sees (Jest gives each file its own realm). */
  realm?: Realm;
  /** The adapter calls hookStart() for every beforeAll/afterAll hook (see Detector.fileStart). */
  reportsHooks?: boolean;
  /** Options of the runner config's own call, under which leakwatch.config.* is merged when no collector runs. */
  options?: LeakwatchOptions;
  /** Where the file's block goes when no collector prints the run's table (default: stderr). */
  print?: (block: string) => void;
  /**
   * Without a collector, throw the config errors that can be found synchronously from the constructor: Jest then
   * fails the file before its tests run ("Test suite failed to run"), once, instead of after them.
   */
  checkConfigNow?: boolean;
}

// Without a collector, leakwatch.config.* is read once per process and root, not once per test file.
const standaloneOptions = new Map<string, Promise<ResolvedOptions>>();
function optionsWithoutCollector(root: string, fromCall: LeakwatchOptions | undefined): Promise<ResolvedOptions> {
  const key = `${root}\0${JSON.stringify(fromCall ?? {})}`;
  let options = standaloneOptions.get(key);
  if (!options) {
    options = loadConfigFile(root).then((loaded) => resolveOptions([loaded?.options, fromCall], process.env));
    standaloneOptions.set(key, options);
  }
  return options;
}

// Per process and root, as the config file is loaded: a TypeScript config compiled again for every file costs.
const checked = new Map<string, unknown>();
function checkOnce(root: string, fromCall: LeakwatchOptions | undefined): void {
  if (!checked.has(root)) {
    try {
      checkConfigFileNow(root);
      // The environment's say (LEAKWATCH=bogus) is checked here too.
      resolveOptions([fromCall], process.env);
      checked.set(root, undefined);
    } catch (error) {
      checked.set(root, error);
    }
  }
  const error = checked.get(root);
  if (error !== undefined) throw error;
}

let announced = false;

const fileEndListeners: Array<() => void> = [];
/**
 * Jest's setup-file-only mode, once per worker. (Not Vitest's: with its default isolation a worker process runs one
 * file, and the line would repeat for every file.)
 */
const JEST_STANDALONE_NOTICE =
  "leakwatch is on (setup file only): each test file's leaks are printed when it ends. withLeakwatch() in the Jest config adds the run's summary and the JSON and JUnit reports.\n";

export class FileSession {
  readonly detector = Detector.shared();
  /** Resolved once the options are: at once with a collector; the adapter awaits it before the first test. */
  readonly ready: Promise<void>;
  readonly root: string;
  private readonly channel: RunChannel | undefined;
  /**
   * The last file's result, when the run wants the runner to carry it with the file's own results (RunChannel.attach):
   * the adapter attaches it, and the run collector reads it where no result came through the channel.
   */
  attachable: FileResult | undefined;
  /** Ids of findings already thrown from a test, so the file's error does not repeat them. */
  private readonly thrown = new Set<string>();
  private readonly init: FileSessionInit;

  /**
   * A runner that loads every test file before it runs any (Mocha's serial mode) says which file it loads (null once
   * done): what that file's module scope makes is its own, judged when its session, started later, ends.
   */
  static loading(file: string | null): void {
    const detector = Detector.shared();
    detector.install();
    detector.fileLoading(file);
  }

  /** `listener` runs once, after the next file of this process has been judged and its results handed over. */
  static afterFileEnd(listener: () => void): void {
    fileEndListeners.push(listener);
  }

  constructor(init: FileSessionInit) {
    this.init = init;
    const detector = this.detector;
    detector.install();
    this.channel = joinRun();
    this.root = this.channel?.root ?? init.root;
    if (this.channel) detector.configure(this.channel.options, this.root);
    else if (init.checkConfigNow) checkOnce(init.root, init.options);
    // Synchronously, even before a config file is loaded: what the file's module scope makes from here on is the
    // file's. Options loaded later apply to the judgement (a kind turned off there is dropped by the judge).
    detector.fileStart(init.file, init.realm, init.reportsHooks);
    this.ready = this.channel
      ? Promise.resolve()
      : optionsWithoutCollector(init.root, init.options).then((options) => detector.configure(options, this.root));
  }

  /**
   * Keeps the process alive until the returned function is called: for runners whose test process ends when its event
   * loop is empty (node:test), where leakwatch's own waits, unref'ed, would let it exit in the middle of a judgement.
   * A real timer, untracked, and immune to fake timers the file left installed.
   */
  keepAlive(): () => void {
    const timer = originalTimers.setTimeout(() => {}, 2 ** 31 - 1);
    return () => originalTimers.clearTimeout(timer);
  }

  scopeOf(test: TestRef | null): Scope | undefined {
    return this.detector.scopeOf(test);
  }

  runInScope<T>(scope: Scope | undefined, fn: () => T): T {
    return this.detector.runInScope(scope, fn);
  }

  testStart(test: TestRef): void {
    this.detector.testStart(test);
  }

  testSkip(test: TestRef): void {
    this.detector.testSkip(test);
  }

  hookStart(): void {
    this.detector.hookStart();
  }

  /** After every afterEach hook of the test: the error to fail the test with, if it leaked. */
  async testEnd(test: TestRef): Promise<Error | undefined> {
    const failing = (await this.detector.testEnd(test)).filter(isFailing);
    for (const f of failing) this.thrown.add(f.id);
    return failing.length ? leakError(failing, this.root) : undefined;
  }

  /**
   * The runner is about to run `test` again after a failed attempt (Jest's retryTimes, Vitest's retry): the test is
   * judged on its last attempt, as the runner judges it, so what the earlier attempt's judgement found and threw is
   * taken back, and the file's error may carry it again if it is still open at the file's end.
   */
  testRetry(test: TestRef): void {
    for (const f of this.detector.testRetry(test)) this.thrown.delete(f.id);
  }

  /**
   * After every afterAll hook: judges the file, hands the result to the collector (or prints it), and returns the
   * error to fail the file with for what no test has thrown yet.
   */
  async fileEnd(): Promise<Error | undefined> {
    const result: FileResult = await this.detector.fileEnd();
    this.attachable = this.channel?.attach ? result : undefined;
    this.deliver(result);
    for (const listener of fileEndListeners.splice(0)) {
      try {
        listener();
      } catch {
        // Only ever a cache write (code-cache.ts): never the run's concern.
      }
    }
    const failing = fileFailures(result, this.thrown);
    return failing.length ? leakError(failing, this.root) : undefined;
  }

  private deliver(result: FileResult): void {
    if (this.channel) {
      try {
        sendResult(this.channel, this.init.file, result);
      } catch (error) {
        process.stderr.write(
          `leakwatch internal error (the run was not affected): cannot hand the results of ${result.file} to the run: ${(error as Error).message}\n`,
        );
      }
      return;
    }
    const print = this.init.print ?? ((text: string) => process.stderr.write(text));
    // Without a collector nothing sums the run up: say that leakwatch is on, or a clean run would print nothing at all.
    if (!announced && this.init.runner === 'jest') {
      announced = true;
      print(JEST_STANDALONE_NOTICE);
    }
    const block = renderFileResult(result, this.detector.options, this.root, this.init.runner);
    if (block) print(block);
  }
}

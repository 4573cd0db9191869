/**
 * The whole runtime side of leakwatch for Vitest, run by the setup file for every test file. Node loads it, once per
 * worker process, rather than Vitest's module runner (the plugin marks it external when it is not under node_modules):
 * each import through the runner is a round trip to the main process, and this module, the engine and 'vitest' would
 * otherwise be fetched again for every test file.
 */
import * as vitest from 'vitest';
import { FileSession } from '@leakwatch/core/worker';
import { taskTitlePath } from './titles.js';

type TestRef = { key: string; titlePath: string[] };
type TaskLike = Parameters<typeof taskTitlePath>[0] & { id: string };

const { beforeAll, beforeEach, expect } = vitest;
/** Vitest ≥ 4.1; 4.0 has neither, and its tests and hooks are wrapped one by one instead (scopeCollected). */
type AroundHook = (fn: (run: () => Promise<void>) => Promise<void>) => void;
const { aroundAll, aroundEach } = vitest as unknown as { aroundAll?: AroundHook; aroundEach?: AroundHook };

type GetHooks = (suite: object) => Record<string, Function[] | undefined> | undefined;
/** Vitest 4.0's 'vitest/suite': the hooks of a suite, and the function of a test. */
interface SuiteHelpers {
  getHooks: GetHooks;
  getFn(task: object): Function | undefined;
  setFn(task: object, fn: Function): void;
}
// Not a literal: Vite resolves literal dynamic imports when it transforms this file, and Vitest 5 has no 'vitest/suite'.
const SUITE_MODULE = 'vitest/suite';
let suiteHelpers: Promise<SuiteHelpers> | undefined;
const legacySuiteHelpers = (): Promise<SuiteHelpers> => (suiteHelpers ??= import(/* @vite-ignore */ SUITE_MODULE));
let getHooks: Promise<GetHooks> | undefined;
/**
 * Vitest 4.1 has the suite helpers on `TestRunner` and prints a deprecation warning for every import of
 * 'vitest/suite', which 4.0 still needs: that import happens only where `TestRunner` is missing.
 */
function suiteHooksReader(): Promise<GetHooks> {
  const runner = (vitest as unknown as { TestRunner?: { getSuiteHooks?: GetHooks } }).TestRunner;
  return (getHooks ??=
    typeof runner?.getSuiteHooks === 'function'
      ? Promise.resolve(runner.getSuiteHooks)
      : legacySuiteHelpers().then((suite) => suite.getHooks));
}

const kDeferred = Symbol.for('leakwatch.deferredHook');

type FileTask = { filepath: string; meta: Record<string, unknown>; result?: { state?: string } };
/** The file being collected in this process, judged by the runner hook below if it fails to load. */
let loading: { filepath: string; session: FileSession } | undefined;
const kFailedLoads = Symbol.for('leakwatch.failedLoads');
/** Where a file's result travels in its task's meta (see attachResult); read by reporter.ts. */
const META_KEY = 'leakwatch';

/**
 * A test file that throws while it loads (at module scope, in a describe body) never runs its hooks, ours included:
 * what it made before the throw would be neither reported nor reaped. Vitest calls its runner's onBeforeRunSuite for
 * every file, failed or not, before it sends the file's state to the main process; the file task then carries our
 * result as meta like any other. `TestRunner` is Vitest's runner class (exported from 'vitest' since 4.1): patching its
 * prototype is reading Vitest's internals, and if the method goes, such files are simply not judged, as before.
 */
function judgeFailedLoads(): void {
  const proto = (vitest as { TestRunner?: { prototype?: any } }).TestRunner?.prototype;
  if (!proto || typeof proto.onBeforeRunSuite !== 'function' || proto[kFailedLoads]) return;
  const original = proto.onBeforeRunSuite;
  proto[kFailedLoads] = true;
  proto.onBeforeRunSuite = async function onBeforeRunSuite(this: unknown, suite: FileTask) {
    await original.call(this, suite);
    const file = loading;
    if (file && suite?.filepath === file.filepath) {
      loading = undefined;
      // Vitest already fails the file: its findings go to the reports only.
      if (suite.result?.state === 'fail') {
        await file.session.fileEnd().catch(() => {});
        attachResult(suite, file.session);
      }
    }
  };
}

/**
 * The file's result in its task's meta, when the run asks for it (Vitest's blob reporter): the blob keeps it, and
 * `vitest --merge-reports` on another machine hands it to leakwatch's reporter there, with the file.
 */
function attachResult(file: { meta?: Record<string, unknown> } | undefined, session: FileSession): void {
  const result = session.attachable;
  if (file?.meta && result) file.meta[META_KEY] = result;
}

/**
 * Vitest stops at the first afterAll hook that throws or times out and skips the rest, our judgement included; the
 * usual cause is an `await server.close()` that hangs on a leaked connection, exactly when the report matters. The
 * file's own afterAll hooks are wrapped so their errors are kept in `errors` and rethrown after the judgement, with it.
 */
function deferAfterAllErrors(file: object, getHooks: GetHooks, errors: unknown[]): void {
  const hooks = getHooks(file)?.afterAll;
  if (!Array.isArray(hooks)) return;
  hooks.forEach((hook, i) => {
    if ((hook as any)[kDeferred]) return;
    const deferred = async function (this: unknown, ...args: unknown[]) {
      try {
        return await hook.apply(this, args);
      } catch (error) {
        errors.push(error);
      }
    };
    (deferred as any)[kDeferred] = true;
    hooks[i] = deferred;
  });
}

/**
 * Registers leakwatch's hooks for the test file being collected. Called by the setup file, which Vitest evaluates
 * for every test file, isolated or not, before the file's own hooks: its beforeEach runs before the user's, and its
 * judgements run after every user hook, cleanup and fixture teardown.
 */
export function watchTestFile(): void {
  const filepath = expect.getState().testPath ?? '';
  const session = new FileSession({
    runner: 'vitest',
    file: filepath,
    root: (globalThis as any).__vitest_worker__?.config?.root ?? process.cwd(),
    // Without the plugin, the worker prints its own file's block; Vitest shows it under the file.
    print: (block) => console.error(block),
  });
  // Without the plugin, options come from leakwatch.config.*, loaded once the runner lets us await.
  let configError: unknown;
  const ready = session.ready.catch((error: unknown) => {
    configError = error;
  });
  /** Errors of the file's own afterAll hooks, rethrown once leakwatch has judged the file. */
  const hookErrors: unknown[] = [];
  judgeFailedLoads();
  loading = { filepath, session };
  const refs = new WeakMap<object, TestRef>();
  const refOf = (task: TaskLike): TestRef => {
    let ref = refs.get(task);
    if (!ref) refs.set(task, (ref = { key: task.id, titlePath: taskTitlePath(task) }));
    return ref;
  };

  // Every hook and test of the file runs in a scope of leakwatch's, so what its code makes, now or in the async work
  // it starts, is attributed to it even when it appears later or while other tests run (test.concurrent). Ours are
  // registered first, so they are the outermost: the test's beforeEach/afterEach hooks and fixtures run inside.
  // No declared second parameter: Vitest parses it for fixtures.
  aroundAll?.(function leakwatchFileScope(runSuite) {
    return session.runInScope(session.scopeOf(null), runSuite);
  });
  aroundEach?.(function leakwatchTestScope(runTest) {
    const task: TaskLike | undefined = (arguments[1] as { task?: TaskLike } | undefined)?.task;
    return session.runInScope(task && session.scopeOf(refOf(task)), runTest);
  });

  /**
   * Vitest 4.0 has no aroundEach/aroundAll: once the file is collected (from our beforeAll, which runs first), every
   * test function and hook of its tree is wrapped in place to run in its scope: a test's own, the test's for
   * beforeEach/afterEach (their first argument is its context), the file's for beforeAll/afterAll. The arrays are
   * Vitest's own, which it is iterating: only their elements are replaced.
   */
  function scopeCollected(suite: any, helpers: SuiteHelpers): void {
    const hooks = helpers.getHooks(suite) ?? {};
    for (const name of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) {
      const list = hooks[name];
      if (!Array.isArray(list)) continue;
      const each = name.endsWith('Each');
      list.forEach((hook, i) => {
        list[i] = session.detector.inScope(hook as (...args: unknown[]) => unknown, (args) => {
          const task = each ? (args[0] as { task?: TaskLike } | undefined)?.task : undefined;
          return session.scopeOf(task ? refOf(task) : null);
        });
      });
    }
    for (const task of suite.tasks ?? []) {
      if (task.type === 'suite') scopeCollected(task, helpers);
      else {
        const fn = helpers.getFn(task);
        if (typeof fn === 'function')
          helpers.setFn(
            task,
            session.detector.inScope(fn as (...args: unknown[]) => unknown, () => session.scopeOf(refOf(task))),
          );
      }
    }
  }

  // Plain functions without declared parameters: Vitest 4 passes (context, suite), and parses the parameter list of
  // hooks for fixtures.
  beforeAll(async function leakwatchFileStart() {
    const file = [...arguments].find((a) => a && typeof a === 'object' && 'filepath' in a);
    loading = undefined;
    await ready;
    if (configError) throw configError;
    if (file) deferAfterAllErrors(file, await suiteHooksReader(), hookErrors);
    if (file && !aroundEach) scopeCollected(file, await legacySuiteHelpers());
    // Judged in the cleanup that beforeAll returns: Vitest runs cleanups after every afterAll hook, and ours last
    // (it was registered first), so a server closed by the user's own `beforeAll(() => () => server.close())` is
    // closed before we look.
    return () => judgeFile(file);
  });

  beforeEach(({ task, onTestFinished }) => {
    const test = refOf(task);
    // `retry`: Vitest runs a failed test again and judges it on its last attempt; so does leakwatch.
    if (((task as { result?: { retryCount?: number } }).result?.retryCount ?? 0) > 0) session.testRetry(test);
    session.testStart(test);
    // onTestFinished runs after every afterEach hook, beforeEach cleanup and test fixture teardown; ours runs last.
    // Vitest captures a stack trace per call, for a timeout message that would only point here: ~70 µs a test.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      onTestFinished(async () => {
        const leak = await session.testEnd(test);
        if (leak) throw leak;
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  async function judgeFile(file: { meta?: Record<string, unknown> } | undefined): Promise<void> {
    const leak = await session.fileEnd();
    attachResult(file, session);
    if (leak && hookErrors.length)
      throw new AggregateError([...hookErrors, leak], 'afterAll hooks failed and leakwatch found leaks');
    if (leak) throw leak;
    if (hookErrors.length === 1) throw hookErrors[0];
    if (hookErrors.length > 1) throw new AggregateError(hookErrors, 'afterAll hooks failed');
  }
}

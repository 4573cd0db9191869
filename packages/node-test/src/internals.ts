/**
 * The few private pieces of Node's test runner (lib/internal/test_runner/test.js, harness.js, runner.js of Node 20, 22
 * and 24) that leakwatch reads, in one place. node:test has no public API for "the test this context belongs to", for
 * hook order, or for its run's event stream seen from a preload; each use below says what breaks if Node changes it.
 *
 * Every test, suite, hook and the root of node:test is an AsyncResource of type 'Test': the harness itself finds a
 * test from its async id this way. An async hook sees the root when it is made (the first `test()`, `describe()` or
 * hook call of the process, ours in a test file; `run()`'s own in the runner's process).
 */
import { createHook } from 'node:async_hooks';

/** A node:test Test, Suite, TestHook or root, as far as leakwatch reads it. */
export interface NodeTest {
  name: string;
  parent: NodeTest | null;
  root: NodeTest;
  fn: (...args: any[]) => unknown;
  skipped?: boolean;
  hookType?: string;
  loc?: { file: string; line: number; column: number };
  hooks: {
    before: HookLike[];
    after: HookLike[];
    beforeEach: HookLike[];
    afterEach: HookLike[];
    ownAfterEachCount: number;
  };
  reporter: NodeJS.EventEmitter & { on(event: string, listener: (data: any) => void): unknown };
  runHook(hook: string, args: unknown): Promise<void>;
  getRunArgs(): { ctx: object; args: unknown[] };
  run(...args: unknown[]): Promise<void>;
}
export interface HookLike {
  fn: (...args: any[]) => unknown;
  loc?: { file: string; line: number; column: number };
}

/**
 * Runs `register` and returns the node:test root it made or used: the first 'Test' resource made while it runs is
 * the root when none existed yet. Undefined when the root was already there (another preload made it first) or Node
 * no longer makes its tests AsyncResources: leakwatch then keeps the runner's own hook order and scopes nothing.
 */
export function captureRoot(register: () => void): NodeTest | undefined {
  let first: object | undefined;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'Test' && first === undefined) first = resource;
    },
  });
  hook.enable();
  try {
    register();
  } finally {
    hook.disable();
  }
  const root = first as NodeTest | undefined;
  return root && root.parent === null && root.root === root ? root : undefined;
}

/**
 * Calls `onRoot` with the root test of the next `run()` of this process (the runner's: `node --test` calls it once),
 * once that root is set up, before any test file starts. The async hook stays on until then: in the runner's
 * process, before `run()`, only the preloads and the reporters' setup make async resources.
 */
export function onNextRunRoot(onRoot: (root: NodeTest) => void): void {
  let seen = false;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (seen || type !== 'Test') return;
      seen = true;
      hook.disable();
      // Made from inside its constructor: the fields (parent, reporter, harness) are set once createTestTree returns,
      // which is before run() gets to the promise that starts the files.
      queueMicrotask(() => {
        const root = resource as NodeTest;
        if (root.parent === null && root.reporter) onRoot(root);
      });
    },
  });
  hook.enable();
}

/** The titles from the outermost describe (or test) down to `test`, as the runner's reporters nest them. */
export function titlePathOf(test: NodeTest): string[] {
  const names: string[] = [];
  for (let t: NodeTest | null = test; t && t.parent !== null; t = t.parent) names.unshift(t.name);
  return names;
}

/**
 * Makes hooks registered on `root` with `afterEach()` run after the ones registered later. node:test inserts a test's
 * own afterEach hooks at `ownAfterEachCount` (before its ancestors' hooks, which a test copies from its parent when it
 * is made): counting ours as not own puts every later root afterEach before it, and every test, suite and subtest
 * copies the list with ours last. If Node drops the field, ours run first, before the user's afterEach hooks.
 */
export function keepAfterEachLast(root: NodeTest): void {
  if (typeof root.hooks?.ownAfterEachCount === 'number') root.hooks.ownAfterEachCount = 0;
}

/**
 * Moves the root `after` hook running `fn` to the end of the root's after hooks when they are about to run (the root's
 * runHook('after'), once the file's tests are done), so it runs after every after() of the user's file, and reports a
 * failure under `file`: node:test names a failing root after hook by where it was registered, which is here.
 */
export function keepAfterLast(root: NodeTest, fn: Function, file: string): void {
  const runHook = root.runHook;
  if (typeof runHook !== 'function' || !Array.isArray(root.hooks?.after)) return;
  root.runHook = function (this: NodeTest, name: string, args: unknown) {
    if (name === 'after') {
      const hooks = this.hooks.after;
      const index = hooks.findIndex((h) => h.fn === fn);
      if (index !== -1) {
        const [ours] = hooks.splice(index, 1);
        ours!.loc = { file, line: 1, column: 1 };
        hooks.push(ours!);
      }
    }
    return runHook.call(this, name, args);
  };
}

/**
 * Calls `onRun(test)` as each test, suite and hook is about to run, and remembers which test a TestContext belongs to
 * (`testOf(ctx)`), by wrapping Test.prototype's `run` and `getRunArgs` (the root's prototype chain ends there). A test's
 * run() creates its context with getRunArgs() and hands the same one to its beforeEach/afterEach hooks; hooks are
 * TestHooks whose getRunArgs() returns the args of the test they run for. If Node renames either method, tests are not
 * scoped and contexts not mapped (test refs fall back to `ctx.fullName`).
 */
export function watchRuns(root: NodeTest, onRun: (test: NodeTest) => void): (ctx: object) => NodeTest | undefined {
  const contexts = new WeakMap<object, NodeTest>();
  let proto: any = Object.getPrototypeOf(root);
  // The root is a plain Test in every version so far; walk up in case Node subclasses it.
  while (proto && !Object.hasOwn(proto, 'getRunArgs')) proto = Object.getPrototypeOf(proto);
  if (!proto || typeof proto.run !== 'function' || proto[WATCHED]) return (ctx) => contexts.get(ctx);
  proto[WATCHED] = true;
  const { run, getRunArgs } = proto;
  proto.getRunArgs = function (this: NodeTest) {
    const args = getRunArgs.call(this);
    if (args?.ctx && !this.hookType) contexts.set(args.ctx, this);
    return args;
  };
  proto.run = function (this: NodeTest, ...args: unknown[]) {
    try {
      if (this.parent !== null || this.hookType) onRun(this);
    } catch {
      // Never the run's concern: the test runs unscoped.
    }
    return run.apply(this, args);
  };
  return (ctx) => contexts.get(ctx);
}
const WATCHED = Symbol.for('leakwatch.nodeTestRuns');

/**
 * Keeps the root from starting its subtests until `until` settles: node:test queues a subtest while its parent has no
 * concurrency left (Test#start, #processPendingSubtests). In the runner's process each test file is a subtest of
 * `run()`'s root, and the test processes must inherit the run's channel, open once the options are loaded; if Node
 * changes this, files may start before, and run without the run's options (each loads leakwatch.config.* itself and
 * prints its own block).
 */
export function holdSubtests(root: NodeTest, until: Promise<unknown>): void {
  const test = root as NodeTest & { hasConcurrency?(): boolean; processPendingSubtests?(): unknown };
  const { hasConcurrency, processPendingSubtests } = test;
  if (typeof hasConcurrency !== 'function' || typeof processPendingSubtests !== 'function') return;
  let held = true;
  test.hasConcurrency = function (this: NodeTest) {
    return !held && hasConcurrency.call(this);
  };
  void until.finally(() => {
    held = false;
    delete test.hasConcurrency;
    void test.processPendingSubtests!();
  });
}

/**
 * Whether node:test's own uncaughtException handler would rethrow an error now: while the root is still bootstrapping
 * (the test file loading), which ends the process with code 7 instead of Node's usual 1. Node 20 marks the end of
 * that phase with `harness.bootstrapComplete`, Node 22 and 24 by clearing `harness.bootstrapPromise`.
 */
export function stillLoading(root: NodeTest): boolean {
  const harness = (root as { harness?: { bootstrapComplete?: boolean; bootstrapPromise?: unknown } }).harness;
  if (!harness) return false;
  return 'bootstrapPromise' in harness ? Boolean(harness.bootstrapPromise) : harness.bootstrapComplete === false;
}

/**
 * The test file each of the run's events comes from, recorded as `run()`'s root hands it on: every file is a FileTest,
 * a subtest of the root (Test#createSubtest) named by its path, whose addToReport() passes each event of its process
 * on to the root's stream. An event's own `file` is where its test was declared (`loc`), which for a test made by a
 * helper module (a shared `describe` wrapper) is that module. If Node changes this, the events' own `file` is used.
 */
export function fileOfEvents(root: NodeTest): (data: object) => string | undefined {
  const files = new WeakMap<object, string>();
  const test = root as NodeTest & { createSubtest?: (...args: unknown[]) => unknown };
  const createSubtest = test.createSubtest;
  if (typeof createSubtest === 'function') {
    test.createSubtest = function (this: NodeTest, ...args: unknown[]) {
      const subtest = createSubtest.apply(this, args) as { name?: unknown; addToReport?: (item: any) => unknown };
      const addToReport = subtest?.addToReport;
      const file = subtest?.name;
      if (typeof addToReport === 'function' && typeof file === 'string' && file !== '') {
        subtest.addToReport = function (this: unknown, item: { data?: unknown }) {
          if (item?.data && typeof item.data === 'object') files.set(item.data, file);
          return addToReport.call(this, item);
        };
      }
      return subtest;
    };
  }
  return (data) => files.get(data);
}

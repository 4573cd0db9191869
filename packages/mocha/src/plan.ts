/**
 * When the root suite starts (its tree is final then: `.only` and the files are applied), every test and hook gets
 * its scope, and each file gets the hook that ends its session, after every hook of its own.
 *
 * Mocha runs one root suite: a `--parallel` worker's holds one file, a serial run's holds them all, and runs every
 * file's top-level tests, then every file's describe blocks, with the root-level hooks of every file around all of
 * them. So:
 * - one file: its session ends after the root suite's last afterAll hook (leakwatch's, added last), as in Jest;
 * - several files: a file ends after its last top-level part (a describe block, after its afterAll hooks; or a
 *   top-level test, after its afterEach hooks); the root-level beforeAll/afterAll hooks belong to the whole run, and
 *   what they make is judged with the main process when the run has ended (the hang check).
 */
import path from 'node:path';
import { Detector, MAIN_PROCESS } from '@leakwatch/core/adapter';
import type { ContextLike, HookLike, HookName, RunnableLike, SuiteLike, TestLike } from './mocha-types.js';
import { ensure } from './sessions.js';
import { refOf } from './titles.js';

type Scope = Parameters<Detector['runInScope']>[0];

/** Our own hooks: never wrapped. */
export const OURS = Symbol.for('leakwatch.mocha.hook');
const kScoped = Symbol.for('leakwatch.mocha.scoped');

export interface Plan {
  /** Top-level tests that are their file's last part: the file ends after their afterEach hooks. */
  lastTests: Map<TestLike, string>;
  /** The root suite's one file (a --parallel worker's, a serial run of one file). */
  only?: string;
}

const plans = new WeakMap<SuiteLike, Plan>();

export function planOf(root: SuiteLike): Plan | undefined {
  return plans.get(root);
}

/**
 * Runs `fn` in the scope `scopeOf(this)` names. Keeps `length` (Mocha reads a declared `done`) and `name`. An
 * internal error computing the scope runs the function unscoped.
 */
function scoped(runnable: RunnableLike, scopeOf: (context: ContextLike) => Scope): void {
  const fn = runnable.fn;
  if (typeof fn !== 'function' || (fn as any)[OURS] || (fn as any)[kScoped]) return;
  const detector = Detector.shared();
  const wrapped = function (this: ContextLike, ...args: unknown[]): unknown {
    let scope: Scope;
    try {
      scope = scopeOf(this);
    } catch {
      scope = undefined;
    }
    return detector.runInScope(scope, () => fn.apply(this, args));
  };
  Object.defineProperty(wrapped, 'length', { value: fn.length });
  Object.defineProperty(wrapped, 'name', { value: fn.name });
  (wrapped as any)[kScoped] = true;
  runnable.fn = wrapped;
}

const EACH: HookName[] = ['beforeEach', 'afterEach'];
const ALL: HookName[] = ['beforeAll', 'afterAll'];

function testScope(test: TestLike | undefined): Scope {
  if (!test?.file) return undefined;
  ensure(test.file);
  return { file: test.file, test: refOf(test) };
}

/** The file a beforeAll/afterAll hook belongs to; MAIN_PROCESS for root hooks of a run of several files. */
function allScope(file: string | undefined): Scope {
  if (!file) return undefined;
  if (file !== MAIN_PROCESS) ensure(file).hookStart();
  return { file, test: null };
}

function scopeTree(suite: SuiteLike, rootFile: string): void {
  const file = suite.root ? rootFile : suite.file;
  for (const name of ALL) for (const hook of suite.getHooks(name) ?? []) scoped(hook, () => allScope(file));
  for (const name of EACH)
    for (const hook of suite.getHooks(name) ?? []) scoped(hook, (context) => testScope(context.currentTest));
  for (const test of suite.tests) scoped(test, () => testScope(test));
  for (const child of suite.suites) scopeTree(child, rootFile);
}

/** Mocha's default timeout would cut a judgement short (settling, reaping); it still bounds a hung one. */
const JUDGE_TIMEOUT_MS = 30_000;

export function lastHook(suite: SuiteLike, name: HookName): HookLike | undefined {
  const hooks = suite.getHooks(name);
  const hook = hooks?.[hooks.length - 1];
  if (hook) {
    const timeout = hook.timeout();
    if (timeout > 0 && timeout < JUDGE_TIMEOUT_MS) hook.timeout(JUDGE_TIMEOUT_MS);
  }
  return hook;
}

/** Names the file in Mocha's output when the hook fails: a root hook's title says only "{root}". */
export function hookTitle(file: string | undefined): string {
  return file ? `leakwatch: ${path.relative(process.cwd(), file).split(path.sep).join('/')}` : 'leakwatch';
}

export function marked<F extends (...args: any[]) => unknown>(fn: F): F {
  (fn as any)[OURS] = true;
  return fn;
}

/**
 * Called from leakwatch's root beforeAll (the first root hook), once per root suite. `endFile` makes the hook that
 * ends a file after one of its top-level describe blocks.
 */
export function prepare(root: SuiteLike, endFile: (file: string) => (...args: any[]) => unknown): Plan {
  const known = plans.get(root);
  if (known) return known;
  const plan: Plan = { lastTests: new Map() };
  const parts: Array<{ file: string | undefined; test?: TestLike; suite?: SuiteLike }> = [
    ...root.tests.map((test) => ({ file: test.file, test })),
    ...root.suites.map((suite) => ({ file: suite.file, suite })),
  ];
  const files = new Set(parts.map((p) => p.file).filter((f): f is string => Boolean(f)));
  const only = files.size === 1 ? [...files][0]! : undefined;
  plan.only = only;
  plans.set(root, plan);
  scopeTree(root, only ?? MAIN_PROCESS);
  if (only) return plan;
  const last = new Map<string, (typeof parts)[number]>();
  for (const part of parts) if (part.file) last.set(part.file, part);
  for (const [file, part] of last) {
    if (part.test) plan.lastTests.set(part.test, file);
    else if (part.suite) {
      part.suite.afterAll(hookTitle(file), marked(endFile(file)));
      lastHook(part.suite, 'afterAll');
    }
  }
  return plan;
}

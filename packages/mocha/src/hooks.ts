/**
 * leakwatch's hooks in every Mocha run (serial, and each `--parallel` worker's). The root hook plugin's are registered
 * before any test file's, so they run first: the run start (which adds the rest) and each test's start. The judging
 * hooks are added when the root suite starts, after every user hook is declared, so they run last: the root
 * afterEach after every afterEach hook of the test, the root afterAll after every afterAll hook.
 *
 * A test's leak fails the test through Hook#error (Mocha's public way for a hook to fail the test it runs for; the
 * rest of the run goes on as without leakwatch): Mocha has already reported the test passed by then, as with its own
 * --check-leaks, and now lists it failing too. A file's leak fails the afterAll hook that judged it.
 */
import type { ContextLike, SuiteLike, TestLike } from './mocha-types.js';
import { hookTitle, lastHook, marked, planOf, prepare } from './plan.js';
import { end, endAll, ensure, sessionOf } from './sessions.js';
import { refOf } from './titles.js';

/** File errors that could not fail a test (its last test was skipped), thrown from the root afterAll. */
const deferred: Error[] = [];

export function combine(errors: Error[]): Error {
  if (errors.length === 1) return errors[0]!;
  const error = new Error(errors.map((e) => e.message).join('\n\n'));
  error.name = errors[0]!.name;
  error.stack = errors.map((e) => e.stack ?? `${e.name}: ${e.message}`).join('\n\n');
  return error;
}

function endFileHook(file: string) {
  return async function leakwatchFileEnd(): Promise<void> {
    const error = await end(file);
    if (error) throw error;
  };
}

async function judgeTest(this: ContextLike): Promise<void> {
  const test = this.currentTest;
  if (!test?.file) return;
  const session = sessionOf(test.file);
  const ref = refOf(test);
  const errors: Error[] = [];
  // A failed attempt Mocha is about to retry has no state yet: it is judged, and taken back when the retry starts.
  const final = test.state !== undefined || test.isPending();
  if (!session) {
    // Interleaved with another file's session (see sessions.ts): not measured.
  } else if (test.isPending()) session.testSkip(ref);
  else {
    const leak = await session.testEnd(ref);
    if (leak && final) errors.push(leak);
  }
  const root = rootOf(test);
  const file = root && planOf(root)?.lastTests.get(test.retriedTest?.() ?? test);
  if (file && final) {
    const leak = await end(file);
    if (leak) (test.isPending() ? deferred : errors).push(leak);
  }
  if (errors.length) this.test?.error(combine(errors));
}

async function judgeRest(): Promise<void> {
  const errors = [...deferred.splice(0), ...(await endAll())];
  if (errors.length) throw combine(errors);
}

function rootOf(test: TestLike): SuiteLike | undefined {
  let suite = test.parent;
  while (suite && !suite.root) suite = (suite as { parent?: SuiteLike }).parent;
  return suite;
}

function leakwatchRunStart(this: ContextLike): void {
  const root = this.test?.parent;
  if (!root || planOf(root)) return;
  const plan = prepare(root, (file) => endFileHook(file));
  root.afterEach('leakwatch', marked(judgeTest));
  lastHook(root, 'afterEach');
  root.afterAll(hookTitle(plan.only), marked(judgeRest));
  lastHook(root, 'afterAll');
}

async function leakwatchTestStart(this: ContextLike): Promise<void> {
  const test = this.currentTest;
  if (!test?.file) return;
  const session = ensure(test.file);
  await session.ready;
  if (sessionOf(test.file) !== session) return;
  const ref = refOf(test);
  // --retries: Mocha runs a clone of the failed test; judged on its last attempt, as Mocha judges it.
  if (test.currentRetry() > 0) session.testRetry(ref);
  session.testStart(ref);
}

export const ROOT_HOOKS = {
  beforeAll: [marked(leakwatchRunStart)],
  beforeEach: [marked(leakwatchTestStart)],
};

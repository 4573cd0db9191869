/**
 * Every test body and hook of a jest-circus file runs in its own scope, so what its code makes (and the async work it
 * starts) is attributed to it even when it appears later or while other tests run. jest-circus reads `fn` from the
 * test and hook objects when it calls them: the tree is wrapped once, after the file has declared its tests and before
 * any runs (the environment's run_start, the setup file's first microtask after the test file loaded).
 */
import type { Detector } from '@leakwatch/core/adapter';

type TestRef = { key: string; titlePath: string[] };

/** Every test and hook of a jest-circus describe tree. */
function* circusTree(block: any): Generator<{ test?: any; hook?: any }> {
  for (const hook of block?.hooks ?? []) yield { hook };
  for (const child of block?.children ?? []) {
    if (child.type === 'test') yield { test: child };
    else yield* circusTree(child);
  }
}

/** jest-circus runs generator functions through co: left as they are (their code falls back to the running test). */
function wrappable(fn: unknown): fn is (...args: any[]) => unknown {
  return typeof fn === 'function' && fn.constructor?.name !== 'GeneratorFunction';
}

export function scopeCircusTree(detector: Detector, root: unknown, refOf: (test: any) => TestRef): void {
  const tracker = detector.tracker;
  for (const { test, hook } of circusTree(root)) {
    if (test && wrappable(test.fn)) {
      // Taken when the test runs: the setup file wraps the tree before its options (and so the file) are ready.
      const ref = refOf(test);
      const body = detector.inScope(test.fn, () => detector.scopeOf(ref));
      // Jest 29 starts every test.concurrent body up front, before its test_start: while any runs, what is made
      // outside a scope (module-level callbacks) cannot be pinned on one test, nor measured per test.
      test.fn = test.concurrent
        ? function (this: unknown, ...args: unknown[]) {
            tracker.concurrentBodies++;
            let result: any;
            try {
              result = body.apply(this, args);
            } catch (error) {
              tracker.concurrentBodies--;
              throw error;
            }
            Promise.resolve(result).then(
              () => tracker.concurrentBodies--,
              () => tracker.concurrentBodies--,
            );
            return result;
          }
        : body;
    } else if (hook && wrappable(hook.fn)) {
      // beforeEach/afterEach belong to the test they run for: the one running test, if there is one.
      const each = hook.type === 'beforeEach' || hook.type === 'afterEach';
      hook.fn = detector.inScope(hook.fn, () => {
        if (!each) return detector.scopeOf(null);
        const running = tracker.activeTests.size === 1 ? tracker.activeTests.values().next().value! : undefined;
        return running ? detector.scopeOf(running) : undefined;
      });
    }
  }
}

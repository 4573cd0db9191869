/**
 * The test-file half: one FileSession for the file this process runs (`node --test` starts a process per file and
 * hands it our preload with its own flags), driven by root-level node:test hooks registered before the file loads.
 *
 *   root beforeEach (ours first)  → testStart, before the user's beforeEach hooks
 *   root afterEach  (ours last)   → testEnd after every afterEach hook; its error fails the test
 *   root after      (ours last)   → fileEnd after every after() hook; its error fails the file
 *
 * Root-level hooks apply to every test, suite and subtest (`t.test`): node:test copies a parent's each-hooks into the
 * tests made under it. internals.ts keeps ours in place and scopes every test body and hook.
 */
import path from 'node:path';
import { inspect } from 'node:util';
import { after, afterEach, beforeEach } from 'node:test';
import { FileSession } from '@leakwatch/core/worker';
import {
  captureRoot,
  keepAfterEachLast,
  keepAfterLast,
  holdSubtests,
  stillLoading,
  titlePathOf,
  watchRuns,
  type NodeTest,
} from './internals.js';

type TestRef = { key: string; titlePath: string[] };

export function watchTestFile(file: string): void {
  const session = new FileSession({
    runner: 'node-test',
    file: path.resolve(file),
    root: process.cwd(),
    // A bad config fails the file once, from the after hook below.
    checkConfigNow: false,
  });
  let configError: unknown;
  const ready = session.ready.catch((error: unknown) => {
    configError = error;
  });

  const refs = new WeakMap<NodeTest, TestRef>();
  let count = 0;
  const refOf = (test: NodeTest): TestRef => {
    let ref = refs.get(test);
    if (!ref) {
      const titlePath = titlePathOf(test);
      ref = { key: `${count++}:${titlePath.join('\u203a')}`, titlePath };
      refs.set(test, ref);
    }
    return ref;
  };
  let testOf: (ctx: object) => NodeTest | undefined = () => undefined;
  /** The test a context belongs to; without the runner's internals, its name path (ambiguous for equal names). */
  const refOfContext = (ctx: { fullName?: string; name?: string }): TestRef => {
    const test = testOf(ctx);
    if (test) return refOf(test);
    const titlePath = (ctx.fullName ?? ctx.name ?? '').split(' > ');
    return { key: titlePath.join('\u203a'), titlePath };
  };

  const judgeFile = async () => {
    // A test process ends when its event loop is empty, and leakwatch's own waits are unref'ed: a clean file's process
    // would exit in the middle of its judgement.
    const alive = session.keepAlive();
    try {
      await ready;
      if (configError !== undefined) throw configError;
      const error = await session.fileEnd();
      if (error) throw error;
    } finally {
      alive();
    }
  };
  const before = new Set(process.listeners('uncaughtException'));
  const root = captureRoot(() => {
    beforeEach(async (ctx) => {
      await ready;
      if (configError === undefined) session.testStart(refOfContext(ctx));
    });
    afterEach(async (ctx) => {
      if (configError !== undefined) return;
      const alive = session.keepAlive();
      try {
        const error = await session.testEnd(refOfContext(ctx));
        if (error) throw error;
      } finally {
        alive();
      }
    });
    after(judgeFile);
  });
  if (!root) return;
  keepAfterEachLast(root);
  keepAfterLast(root, judgeFile, path.resolve(file));
  judgeFailedLoad(
    root,
    [...process.listeners('uncaughtException')].filter((l) => !before.has(l)),
    judgeFile,
  );

  const scoped = new WeakSet<NodeTest>();
  const { detector } = session;
  testOf = watchRuns(root, (test) => {
    if (test.hookType) {
      if (scoped.has(test) || typeof test.fn !== 'function') return;
      scoped.add(test);
      // A hook object serves every test it runs for: the test is read from its arguments at each call.
      const each = test.hookType === 'beforeEach' || test.hookType === 'afterEach';
      const hook = test;
      test.fn = detector.inScope(test.fn, () => {
        if (!each) return session.scopeOf(null);
        const runFor = testOf(hook.getRunArgs()?.ctx ?? {});
        return runFor ? session.scopeOf(refOf(runFor)) : undefined;
      });
      return;
    }
    if (test.skipped) {
      session.testSkip(refOf(test));
      return;
    }
    if (scoped.has(test) || typeof test.fn !== 'function') return;
    scoped.add(test);
    test.fn = detector.inScope(test.fn, () => session.scopeOf(refOf(test)));
  });
}

/**
 * A test file that throws while it loads never runs its hooks, ours included, and node:test's handler (made with the
 * root, which our hooks make before the file loads) rethrows the error, ending the process with code 7. Its handlers
 * are taken out and called from ours once the file has loaded; while it loads, the error is printed as Node prints an
 * uncaught one, what the file made before the throw is judged (reported and reaped), and the process ends with code 1,
 * as it would without leakwatch. The runner fails the file as it always does.
 */
function judgeFailedLoad(root: NodeTest, harnessHandlers: Function[], judgeFile: () => Promise<void>): void {
  for (const handler of harnessHandlers) process.off('uncaughtException', handler as (e: Error) => void);
  let failed = false;
  process.on('uncaughtException', function onUncaught(this: unknown, error: Error, origin) {
    if (failed) return;
    if (!stillLoading(root)) {
      for (const handler of harnessHandlers) handler.call(this, error, origin);
      return;
    }
    failed = true;
    // Node would end the process now: the file's tests, queued before the throw, never start.
    holdSubtests(root, new Promise(() => {}));
    process.stderr.write(`${inspect(error)}\n`);
    process.exitCode = 1;
    void judgeFile()
      .catch(() => {})
      .finally(() => process.exit(1));
  });
}

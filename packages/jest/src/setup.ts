/**
 * `setupFilesAfterEnv: ['@leakwatch/jest/setup']`: detection, console output and failing without the environment
 * wrapper, options from leakwatch.config.*. Runs inside the test file's vm realm.
 *
 * Jest runs root-level afterEach/afterAll hooks of setup files *before* the test file's own; leakwatch registers its
 * hooks here and then moves them to the end of the root block once the test file has declared its hooks, so they
 * run after every user hook.
 */
import vm from 'node:vm';
import type { FileSession } from './attach.js';
import { circusTitlePath } from './titles.js';

declare const beforeEach: (fn: () => unknown) => void;
declare const afterEach: (fn: () => unknown) => void;
declare const afterAll: (fn: () => unknown) => void;
declare const expect: { getState(): { testPath?: string; currentTestName?: string } };

// Under the leakwatch environment (withLeakwatch), the environment judges the file and this setup stays idle; it
// takes over for files whose `@jest-environment` docblock replaced it, and in the setup-file-only configuration.
if (!(globalThis as any)[Symbol.for('leakwatch.environment')]) main();

function main(): void {
  // Node's own loader, reached from inside the vm realm: one detector per worker, not one per test file.
  const realProcess = vm.runInThisContext('process') as NodeJS.Process & { getBuiltinModule?: (id: string) => any };
  const { createRequire } =
    realProcess.getBuiltinModule?.('node:module') ?? (realProcess as any).mainModule.constructor;
  const outerRequire = createRequire(__filename);
  const { attach, scopeCircusTree } = outerRequire('./attach.cjs') as typeof import('./attach.js');

  const testPath = expect.getState().testPath ?? '';
  // Jest runs with the project root as working directory; leakwatch.config.* is looked up there.
  const rootDir = process.cwd();
  const attachment: FileSession = attach({ global: globalThis, process }, testPath, rootDir);

  const stateSymbol = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const circusState = () => (stateSymbol ? (globalThis as any)[stateSymbol] : undefined);

  const refOf = (test: unknown) => {
    const titlePath = test ? circusTitlePath(test as any) : [expect.getState().currentTestName ?? ''];
    return { key: titlePath.join('\u203a'), titlePath };
  };
  const currentTest = () => refOf(circusState()?.currentlyRunningTest);

  const lastHooks: Array<{ fn: unknown }> = [];
  function last(register: (fn: () => unknown) => void, fn: () => unknown): void {
    register(fn);
    lastHooks.push({ fn });
  }

  // A bad leakwatch.config.* or LEAKWATCH value fails the file once, after its tests, with the fix: thrown from every
  // beforeEach it would fail each test with the same message.
  let configError: unknown;
  const ready = attachment.ready.catch((error: unknown) => {
    configError = error;
  });
  beforeEach(async () => {
    await ready;
    if (configError !== undefined) return;
    // jest.retryTimes(): circus counts the test's runs; a second one is a retry, judged on its own, as Jest judges it.
    if ((circusState()?.currentlyRunningTest?.invocations ?? 1) > 1) attachment.testRetry(currentTest());
    attachment.testStart(currentTest());
  });
  last(afterEach, async () => {
    if (configError !== undefined) return;
    const error = await attachment.testEnd(currentTest());
    if (error) throw error;
  });
  last(afterAll, async () => {
    await ready;
    if (configError !== undefined) throw configError;
    const error = await attachment.fileEnd();
    if (error) throw error;
  });

  // After the test file is loaded and before the run starts: move our hooks behind the user's root hooks, and give
  // every test and hook its scope.
  void Promise.resolve().then(() => {
    const root = circusState()?.rootDescribeBlock;
    if (!root || !Array.isArray(root.hooks)) return;
    for (const { fn } of lastHooks) {
      const index = root.hooks.findIndex((h: { fn: unknown }) => h.fn === fn);
      if (index !== -1) root.hooks.push(...root.hooks.splice(index, 1));
    }
    // After the move, which finds our hooks by their function.
    scopeCircusTree(attachment.detector, root, refOf);
  });
}

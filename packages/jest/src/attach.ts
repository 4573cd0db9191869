/**
 * One Jest test file's session, for the environment wrapper and the setup-file mode alike. Loaded through Node's own
 * loader (setup.ts says why), so one detector and one set of patches serve every test file of the worker.
 */
import { Detector, FileSession, ORIGINAL_TIMER, WRAPPED_TIMERS, type LeakwatchOptions } from '@leakwatch/core/adapter';
import { hookJestRuntime } from './jest-runtime.js';

export type { FileSession };
export { scopeCircusTree } from './scopes.js';

export function attach(
  realm: { global: any; process: NodeJS.Process; sandbox?: object },
  testPath: string,
  rootDir: string,
  options?: LeakwatchOptions,
  reportsHooks = false,
): FileSession {
  Detector.shared().install();
  hookJestRuntime(Detector.shared());
  // The vm realm copies timer globals lazily: if Jest read them before leakwatch wrapped them, hand it the wrappers.
  for (const name of WRAPPED_TIMERS) {
    const wrapped = (globalThis as any)[name];
    if (realm.global[name] === wrapped?.[ORIGINAL_TIMER]) realm.global[name] = wrapped;
  }
  // A bad config fails the file before its tests (Jest: "Test suite failed to run"), not after them.
  return new FileSession({
    runner: 'jest',
    file: testPath,
    root: rootDir,
    realm,
    reportsHooks,
    options,
    checkConfigNow: true,
  });
}

/**
 * The outer-realm half of the setup-file-only mode. `setup.ts` runs inside each test file's vm realm, where every
 * require goes through Jest's per-file registry; it loads this module through Node's own loader instead, so one
 * Detector (and one set of patches) serves every test file of the worker.
 */
import {
  Detector,
  ORIGINAL_TIMER,
  WRAPPED_TIMERS,
  fileFailures,
  isFailing,
  leakError,
  loadConfigFile,
  renderFileResult,
  resolveOptions,
  validateOptions,
  type LeakwatchOptions,
  type ResolvedOptions,
} from '@leakwatch/core/adapter';
import { hookJestRuntime } from './jest-runtime.js';
import { RUN_DIR_ENV, writeFileResult } from './results.js';
import { scopeCircusTree } from './scopes.js';

const optionsByRoot = new Map<string, Promise<ResolvedOptions>>();

function optionsFromEnvironment(): LeakwatchOptions | undefined {
  const raw = process.env.LEAKWATCH_JEST_OPTIONS;
  return raw ? validateOptions(JSON.parse(raw), 'the withLeakwatch() options') : undefined;
}

export interface Attachment {
  ready: Promise<void>;
  testStart(test: { key: string; titlePath: string[] }): void;
  /** Wraps the file's tests and hooks to run in their scopes, once declared and before any runs (see scopes.ts). */
  scopeTree(root: unknown, refOf: (test: any) => { key: string; titlePath: string[] }): void;
  /** The test started and was skipped (only the environment wrapper sees these). */
  testSkip(test: { key: string; titlePath: string[] }): void;
  /** A beforeAll/afterAll hook starts (only the environment wrapper sees these). */
  hookStart(): void;
  /** Returns the error to throw from the test's last afterEach, if any. */
  testEnd(test: { key: string; titlePath: string[] }): Promise<Error | undefined>;
  /** Returns the error to throw from the file's last afterAll, if any. */
  fileEnd(): Promise<Error | undefined>;
}

/**
 * One test file's connection to the worker's detector, used by both the environment wrapper and the setup-file mode:
 * options (config file under the call's options), the file's realm, and the errors to hand back to Jest.
 * `fromCall` defaults to the options withLeakwatch() left in the environment.
 */
export function attach(
  realm: { global: any; process: NodeJS.Process; sandbox?: object },
  testPath: string,
  rootDir: string,
  fromCall: LeakwatchOptions | undefined = optionsFromEnvironment(),
  reportsHooks = false,
): Attachment {
  const detector = Detector.shared();
  detector.install();
  hookJestRuntime(detector);
  // The vm realm copies timer globals lazily: if Jest read them before leakwatch wrapped them, hand it the wrappers.
  for (const name of WRAPPED_TIMERS) {
    const wrapped = (globalThis as any)[name];
    if (realm.global[name] === wrapped?.[ORIGINAL_TIMER]) realm.global[name] = wrapped;
  }
  // One options promise per worker and root: leakwatch.config.* is read once, not once per test file.
  const key = `${rootDir}\0${JSON.stringify(fromCall ?? {})}`;
  if (!optionsByRoot.has(key)) {
    optionsByRoot.set(
      key,
      loadConfigFile(rootDir).then((loaded) => resolveOptions(loaded?.options, fromCall)),
    );
  }
  const thrown = new Set<string>();
  const ready = optionsByRoot.get(key)!.then((options) => {
    detector.configure(options, rootDir);
    detector.fileStart(testPath, realm, reportsHooks);
  });
  return {
    ready,
    testStart: (test) => detector.testStart(test),
    scopeTree: (root, refOf) => scopeCircusTree(detector, root, refOf),
    testSkip: (test) => detector.testSkip(test),
    hookStart: () => detector.hookStart(),
    testEnd: async (test) => {
      const failing = (await detector.testEnd(test)).filter(isFailing);
      for (const f of failing) thrown.add(f.id);
      return failing.length ? leakError(failing, rootDir) : undefined;
    },
    fileEnd: async () => {
      const result = await detector.fileEnd();
      const runDir = process.env[RUN_DIR_ENV];
      if (runDir) {
        try {
          writeFileResult(runDir, testPath, result);
        } catch (error) {
          process.stderr.write(
            `leakwatch internal error (the run was not affected): cannot write results: ${(error as Error).message}\n`,
          );
        }
      } else {
        // No reporter in the main process (setup-file-only): print from the worker.
        process.stderr.write(renderFileResult(result, detector.options, rootDir, 'jest'));
      }
      const failing = fileFailures(result, thrown);
      return failing.length ? leakError(failing, rootDir) : undefined;
    },
  };
}

/**
 * The outer-realm half of the setup-file-only mode. `setup.ts` runs inside each test file's vm realm, where every
 * require goes through Jest's per-file registry; it loads this module through Node's own loader instead, so one
 * Detector (and one set of patches) serves every test file of the worker.
 */
import {
  Detector,
  isFailing,
  leakError,
  loadConfigFile,
  renderFileResult,
  resolveOptions,
  validateOptions,
  type Finding,
  type ResolvedOptions,
} from '@leakwatch/core';
import { RUN_DIR_ENV, writeFileResult } from './results.js';

const optionsByRoot = new Map<string, Promise<ResolvedOptions>>();

export interface Attachment {
  ready: Promise<void>;
  testStart(test: { key: string; titlePath: string[] }): void;
  /** Returns the error to throw from the test's last afterEach, if any. */
  testEnd(test: { key: string; titlePath: string[] }): Promise<Error | undefined>;
  /** Returns the error to throw from the file's last afterAll, if any. */
  fileEnd(): Promise<Error | undefined>;
}

export function attach(realm: { global: any; process: NodeJS.Process }, testPath: string, rootDir: string): Attachment {
  const detector = Detector.shared();
  detector.install();
  // The vm realm copies timer globals lazily: if Jest read them before leakwatch wrapped them, hand it the wrappers.
  for (const name of ['setTimeout', 'setInterval'] as const) {
    const wrapped = (globalThis as any)[name];
    if (realm.global[name] === wrapped?.[Symbol.for('leakwatch.original')]) realm.global[name] = wrapped;
  }
  if (!optionsByRoot.has(rootDir)) {
    const raw = process.env.LEAKWATCH_JEST_OPTIONS;
    const fromCall = raw ? validateOptions(JSON.parse(raw), 'the withLeakwatch() options') : undefined;
    optionsByRoot.set(rootDir, loadConfigFile(rootDir).then((loaded) => resolveOptions(loaded?.options, fromCall)));
  }
  const thrown = new Set<string>();
  const ready = optionsByRoot.get(rootDir)!.then((options) => {
    detector.configure(options, rootDir);
    detector.fileStart(testPath, realm);
  });
  return {
    ready,
    testStart: (test) => detector.testStart(test),
    testEnd: async (test) => {
      const failing = (await detector.testEnd(test)).filter(isFailing);
      for (const f of failing) thrown.add(f.id);
      return failing.length ? leakError(failing, rootDir) : undefined;
    },
    fileEnd: async () => {
      const result = await detector.fileEnd();
      const runDir = process.env[RUN_DIR_ENV];
      if (runDir) writeFileResult(runDir, testPath, result);
      else process.stderr.write(renderFileResult(result, detector.options, rootDir, 'jest'));
      const failing = result.findings.filter((f: Finding) => isFailing(f) && !thrown.has(f.id));
      return failing.length ? leakError(failing, rootDir) : undefined;
    },
  };
}

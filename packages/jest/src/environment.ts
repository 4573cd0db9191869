/**
 * A test environment that wraps the user's own (node, jsdom or custom): judgement runs from jest-circus events,
 * which arrive after every user hook whatever the order Jest registered them in.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Detector, type LeakwatchOptions } from '@leakwatch/core/adapter';
import { attach, type FileSession } from './attach.js';
import { loadedJestPackage } from './running-jest.js';
import { scopeCircusTree } from './scopes.js';
import { circusTitlePath } from './titles.js';

export interface EnvironmentSettings {
  /** The user's testEnvironment, as written in their config ('node', 'jsdom', a package or a path). */
  baseEnvironment?: string;
  /** Options from the withLeakwatch() call, validated there. */
  options?: LeakwatchOptions;
}

export const SETTINGS_KEY = 'leakwatch';

/**
 * Where Jest itself would find 'jest-environment-node' and friends: the project first, then along Jest's own
 * dependency chain (with pnpm or Yarn PnP-like layouts, they are not hoisted next to the project).
 */
function resolutionBases(rootDir: string, builtin: boolean): string[] {
  const bases = [path.join(rootDir, 'package.json')];
  // 'node' is Jest's own: take the one the running jest-runner depends on, so Jest 30 never gets a hoisted Jest 29's.
  const runner = loadedJestPackage('jest-runner');
  if (builtin && runner) bases.unshift(path.join(runner, 'package.json'));
  const chain = [
    ['jest'],
    ['jest', 'jest-cli'],
    ['jest', '@jest/core'],
    ['jest', 'jest-cli', 'jest-config'],
    ['jest', '@jest/core', 'jest-config'],
  ];
  for (const hops of chain) {
    let from = path.join(rootDir, 'package.json');
    try {
      for (const hop of hops) from = createRequire(from).resolve(`${hop}/package.json`);
      bases.push(from);
    } catch {
      // That hop is not installed in this layout; try the next chain.
    }
  }
  return [...new Set(bases)];
}

// Every test file constructs an environment: resolve the user's base environment once per worker, not per file.
const bases = new Map<string, any>();

function resolveBase(name: string | undefined, rootDir: string): any {
  const key = `${name ?? ''}\0${rootDir}`;
  if (!bases.has(key)) bases.set(key, resolveBaseUncached(name, rootDir));
  return bases.get(key);
}

function resolveBaseUncached(name: string | undefined, rootDir: string): any {
  // Jest accepts '<rootDir>/env.js' in testEnvironment; withLeakwatch() sees the config before Jest replaces the token.
  const named = name?.replace(/^<rootDir>(?=[\\/]|$)/, rootDir);
  const request =
    !named || named === 'node' ? 'jest-environment-node' : named === 'jsdom' ? 'jest-environment-jsdom' : named;
  const candidates =
    request.startsWith('.') || path.isAbsolute(request)
      ? [path.resolve(rootDir, request)]
      : [`jest-environment-${request}`, request];
  for (const base of resolutionBases(rootDir, request === 'jest-environment-node')) {
    const require = createRequire(base);
    for (const candidate of candidates) {
      let resolved: string;
      try {
        resolved = require.resolve(candidate);
      } catch {
        continue;
      }
      const mod = require(resolved);
      return mod.TestEnvironment ?? mod.default ?? mod;
    }
  }
  throw new Error(
    `leakwatch: cannot find the test environment "${name}" from ${rootDir}. Fix: install it (e.g. npm install -D ${candidates[0]}) or set testEnvironment to a path.`,
  );
}

const subclasses = new WeakMap<Function, Function>();
const EVENTS = new Set([
  'run_start',
  'hook_start',
  'test_start',
  'test_skip',
  'test_todo',
  'test_done',
  'test_retry',
  'run_finish',
]);

function leakwatchEnvironment(Base: any): any {
  if (subclasses.has(Base)) return subclasses.get(Base);
  class LeakwatchEnvironment extends Base {
    private readonly leakwatchRoot: string;
    private readonly leakwatchTestPath: string;
    private readonly leakwatchFromCall: LeakwatchOptions | undefined;
    private leakwatch: FileSession | undefined;
    /** The file was judged (run_finish); until then, teardown judges it (a test file that threw at import). */
    private leakwatchJudged = false;
    private leakwatchTests = new Map<unknown, { key: string; titlePath: string[] }>();

    private leakwatchRef(test: any): { key: string; titlePath: string[] } {
      let ref = this.leakwatchTests.get(test);
      if (!ref) {
        const titlePath = circusTitlePath(test);
        ref = { key: `${this.leakwatchTests.size}:${titlePath.join('\u203a')}`, titlePath };
        this.leakwatchTests.set(test, ref);
      }
      return ref;
    }

    constructor(config: any, context: any) {
      // Before the base constructor: it copies the timer globals into the test's vm realm.
      Detector.shared().install();
      super(config, context);
      // Tells the setup-file fallback that this file is judged here.
      this.global[Symbol.for('leakwatch.environment')] = true;
      const settings: EnvironmentSettings = config.projectConfig.testEnvironmentOptions?.[SETTINGS_KEY] ?? {};
      // The run's root, not the project's: the reporter makes every path relative to globalConfig.rootDir, so a project
      // with its own rootDir (multi-project configs) must not report 'x.test.js' for the file it lists as 'c/x.test.js'.
      this.leakwatchRoot = config.globalConfig?.rootDir ?? config.projectConfig.rootDir;
      this.leakwatchTestPath = context.testPath;
      this.leakwatchFromCall = settings.options;
    }

    async setup(): Promise<void> {
      await super.setup();
      // getVmContext() is the vm context's sandbox for jest-environment-node; core checks it mirrors the global.
      const realm = { global: this.global, process: this.global.process, sandbox: this.getVmContext?.() ?? undefined };
      // The environment sees every hook as an event, so the detector may reuse the globals listed at a test's end.
      this.leakwatch = attach(realm, this.leakwatchTestPath, this.leakwatchRoot, this.leakwatchFromCall, true);
      await this.leakwatch.ready;
    }

    /**
     * A test file that throws while it loads (at module scope, in a describe body) never reaches run_start or
     * run_finish: what it made before the throw is judged here, against the file, and reaped like any other leak, or
     * Jest in band would never exit. Jest already reports the file as failed, so the findings go to the reports only.
     */
    async teardown(): Promise<void> {
      if (this.leakwatch && !this.leakwatchJudged) {
        this.leakwatchJudged = true;
        await this.leakwatch.fileEnd();
      }
      await super.teardown();
    }

    /**
     * jest-circus awaits this for every event (a dozen per test): the ones leakwatch ignores return the base
     * environment's own result, with no promise of ours in between.
     */
    handleTestEvent(event: any, state: any): unknown {
      const base = super.handleTestEvent?.(event, state);
      if (!this.leakwatch || !EVENTS.has(event.name)) return base;
      return base && typeof base.then === 'function'
        ? base.then(() => this.leakwatchEvent(event, state))
        : this.leakwatchEvent(event, state);
    }

    private leakwatchEvent(event: any, state: any): void | Promise<void> {
      const leakwatch = this.leakwatch!;
      switch (event.name) {
        case 'run_start':
          scopeCircusTree(leakwatch.detector, state.rootDescribeBlock, (test) => this.leakwatchRef(test));
          return;
        case 'hook_start':
          if (event.hook?.type === 'beforeAll' || event.hook?.type === 'afterAll') leakwatch.hookStart();
          return;
        case 'test_start':
          leakwatch.testStart(this.leakwatchRef(event.test));
          return;
        case 'test_skip':
        case 'test_todo':
          // jest-circus starts a skipped test (test.skip, todo, a -t filter) and never finishes it: no test_done.
          leakwatch.testSkip(this.leakwatchRef(event.test));
          return;
        case 'test_done': {
          const ref = this.leakwatchTests.get(event.test);
          if (!ref) return;
          // test_done comes after every afterEach hook of the test, root-level ones included.
          return leakwatch.testEnd(ref).then((error) => {
            if (error) event.test.errors.push(error);
          });
        }
        case 'test_retry': {
          // jest.retryTimes(): the test runs again and Jest judges it on its last attempt; so does leakwatch.
          const ref = this.leakwatchTests.get(event.test);
          if (ref) leakwatch.testRetry(ref);
          return;
        }
        case 'run_finish':
          // After every afterAll hook: settle, judge the file, hand the result to the reporter.
          this.leakwatchJudged = true;
          return leakwatch.fileEnd().then((error) => {
            if (error) state.unhandledErrors.push(error);
          });
      }
    }
  }
  subclasses.set(Base, LeakwatchEnvironment);
  return LeakwatchEnvironment;
}

/**
 * Jest instantiates this with `new`; returning an instance of the subclass of the user's base environment keeps
 * their environment intact (jsdom, custom) with leakwatch layered on top.
 */
function LeakwatchTestEnvironment(this: unknown, config: any, context: any): any {
  const settings: EnvironmentSettings = config.projectConfig.testEnvironmentOptions?.[SETTINGS_KEY] ?? {};
  const Base = resolveBase(settings.baseEnvironment, config.projectConfig.rootDir);
  const Env = leakwatchEnvironment(Base);
  return new Env(config, context);
}

export default LeakwatchTestEnvironment;
export { LeakwatchTestEnvironment as TestEnvironment };

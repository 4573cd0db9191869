/** The parts of Mocha's objects leakwatch uses (the same in Mocha 11 and 12). */

export interface RunnableLike {
  title: string;
  fn?: ((...args: any[]) => unknown) | undefined;
  file?: string;
  parent?: SuiteLike;
  isPending(): boolean;
  timeout(ms?: number): number;
}

export interface TestLike extends RunnableLike {
  id?: string;
  /** Undefined while the test runs, and after a failed attempt that Mocha retries. */
  state?: 'passed' | 'failed' | 'pending';
  duration?: number;
  type?: string;
  titlePath(): string[];
  currentRetry(): number;
  /** The first attempt of a retried test (Mocha clones the test for each retry). */
  retriedTest?(): TestLike | undefined;
}

export interface HookLike extends RunnableLike {
  /** Sets the error Mocha fails the current test with once the hook is done (Hook#error, public). */
  error(err: Error): void;
}

export type HookName = 'beforeAll' | 'beforeEach' | 'afterEach' | 'afterAll';

export interface SuiteLike {
  title: string;
  file?: string;
  root?: boolean;
  tests: TestLike[];
  suites: SuiteLike[];
  /** Mocha's own array of the suite's hooks of that type (marked private in Mocha, used by its runner). */
  getHooks(name: HookName): HookLike[];
  beforeAll(title: string, fn: (...args: any[]) => unknown): SuiteLike;
  afterEach(title: string, fn: (...args: any[]) => unknown): SuiteLike;
  afterAll(title: string, fn: (...args: any[]) => unknown): SuiteLike;
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** `this` in a hook or test function. */
export interface ContextLike {
  /** The runnable running now (in a hook: the hook). */
  test?: HookLike;
  /** In a hook: the test it runs for. */
  currentTest?: TestLike;
}

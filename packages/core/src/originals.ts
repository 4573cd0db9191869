import { performance } from 'node:perf_hooks';
import timersModule from 'node:timers';

/**
 * Where each of leakwatch's timer wrappers keeps the function it wraps: lets an adapter recognise a realm that copied
 * the original before the wrapper existed, or hand a runner's own modules the original. A registry symbol, so two
 * copies of core agree.
 */
export const ORIGINAL_TIMER = Symbol.for('leakwatch.original');

/** The timer functions and the clock leakwatch itself waits with (settle, reap's bound, the hang check, SIGKILL). */
export interface OriginalTimers {
  setTimeout: typeof setTimeout;
  clearTimeout: typeof clearTimeout;
  setImmediate: typeof setImmediate;
  clearImmediate: typeof clearImmediate;
  /** Milliseconds from an arbitrary origin, monotonic: only differences mean anything. */
  now: () => number;
}

const KEY = Symbol.for('leakwatch.realTimers');

/**
 * Taken from Node's own modules, never from `globalThis`: a test file's global may be a vm realm's (Jest, Vitest's vm
 * pools) whose timers are jsdom's (they return numbers, without unref()), and fake timers (`vi.useFakeTimers()`,
 * `jest.useFakeTimers()`, `@sinonjs/fake-timers`' install(), which also replaces the `node:timers` exports and
 * `perf_hooks.performance.now`) replace the globals and `Date` while a test runs, and may be left on. Function
 * references taken here survive all of that; a wrapper of leakwatch's own is unwrapped.
 */
function capture(): OriginalTimers {
  const real = <T>(fn: T): T => ((fn as any)?.[ORIGINAL_TIMER] as T | undefined) ?? fn;
  const now = performance.now;
  return {
    setTimeout: real(timersModule.setTimeout),
    clearTimeout: real(timersModule.clearTimeout),
    setImmediate: real(timersModule.setImmediate),
    clearImmediate: real(timersModule.clearImmediate),
    now: () => now.call(performance),
  };
}

/**
 * Captured once per process, when the first copy of core loads (before any probe or test), and anchored on the
 * `node:timers` module object rather than on a global: Jest loads a copy of core in each test file's vm realm, where
 * `globalThis` differs but builtin modules are the process's own, so every copy shares the set the first one took.
 */
const anchor = timersModule as unknown as Record<symbol, OriginalTimers | undefined>;
export const originalTimers: OriginalTimers = (anchor[KEY] ??= capture());

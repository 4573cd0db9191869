import Module from 'node:module';
import { ORIGINAL_TIMER, WRAPPED_TIMERS, type Detector } from '@leakwatch/core/adapter';

const RUNTIME_RE = /[\\/]jest-runtime[\\/]build[\\/]index\.js$/;
const hooked = new WeakSet<object>();

/**
 * Runs `load` with the realm's timer globals unwrapped. Jest's own modules (jest-circus, expect, the snapshot code)
 * are loaded as "internal modules" into the test file's realm and take their timers from it once, at load: jest-circus
 * arms a timeout timer for every test and hook. Those are the runner's, cleared by it, and each would otherwise cost a
 * stack capture.
 */
function withRunnerTimers<T>(global: Record<string, any> | undefined, load: () => T): T {
  const swapped = WRAPPED_TIMERS.filter((name) => typeof global?.[name]?.[ORIGINAL_TIMER] === 'function');
  if (!global || swapped.length === 0) return load();
  const wrapped = swapped.map((name) => global[name]);
  for (const name of swapped) global[name] = global[name][ORIGINAL_TIMER];
  try {
    return load();
  } finally {
    swapped.forEach((name, i) => {
      global[name] = wrapped[i];
    });
  }
}

/**
 * Jest evaluates each test file's dependencies in its own module registry, out of sight of Node's loader, so a
 * database driver required by a test would never reach leakwatch's driver probes. jest-runner has loaded jest-runtime
 * before it creates the environment; its `requireModule` is the one seam every non-mocked require passes through
 * (Jest 29 and 30), and wrapping it hands each freshly loaded module to core. A custom `runtime` is left alone.
 */
export function hookJestRuntime(detector: Detector): void {
  for (const [filename, entry] of Object.entries<any>((Module as any)._cache)) {
    if (!RUNTIME_RE.test(filename)) continue;
    const proto = (entry?.exports?.default ?? entry?.exports)?.prototype;
    if (!proto || hooked.has(proto) || typeof proto.requireModule !== 'function') continue;
    hooked.add(proto);
    const original = proto.requireModule;
    proto.requireModule = function requireModule(
      this: any,
      from: string,
      moduleName?: string,
      options?: any,
      ...rest: unknown[]
    ) {
      if (options?.isInternalModule) {
        return withRunnerTimers(this?._environment?.global, () =>
          original.call(this, from, moduleName, options, ...rest),
        );
      }
      return detector.instrumentRequire(moduleName, original.call(this, from, moduleName, options, ...rest));
    };
  }
}

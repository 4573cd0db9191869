import Module from 'node:module';
import type { Detector } from '@leakwatch/core';

const RUNTIME_RE = /[\\/]jest-runtime[\\/]build[\\/]index\.js$/;
const hooked = new WeakSet<object>();

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
    proto.requireModule = function requireModule(this: unknown, from: string, moduleName?: string, ...rest: unknown[]) {
      return detector.instrumentRequire(moduleName, original.call(this, from, moduleName, ...rest));
    };
  }
}

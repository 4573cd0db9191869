/**
 * Mocha loads its test files before it runs any of them (serial mode: every file; a `--parallel` worker: one file per
 * Mocha instance). Its root suite announces each file ('pre-require', 'post-require'): what a file's module scope
 * makes is that file's. The root suite exists only once `new Mocha()` has run, after our plugin was loaded, so
 * Mocha's file loaders are wrapped to listen on it first.
 */
import { FileSession } from '@leakwatch/core/adapter';
import type { SuiteLike } from './mocha-types.js';

const kWrapped = Symbol.for('leakwatch.mocha.loading');
const watched = new WeakSet<object>();

function watch(suite: SuiteLike | undefined): void {
  if (!suite || watched.has(suite)) return;
  watched.add(suite);
  suite.on('pre-require', (_context: unknown, file: string) => FileSession.loading(file));
  suite.on('post-require', () => FileSession.loading(null));
}

/**
 * `Mocha.prototype.loadFiles` and `loadFilesAsync` are Mocha's public API; wrapping them on the prototype is the one
 * way to be told of a Mocha instance before it loads. If they go, module-scope resources are no longer attributed
 * to their file (they are still seen if they outlive the run).
 */
export function watchLoading(Mocha: { prototype: any }): void {
  const proto = Mocha.prototype;
  if (proto[kWrapped]) return;
  proto[kWrapped] = true;
  for (const name of ['loadFiles', 'loadFilesAsync']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (this: { suite?: SuiteLike }, ...args: unknown[]) {
      try {
        watch(this.suite);
      } catch {
        // Never the run's concern.
      }
      return original.apply(this, args);
    };
  }
}

/**
 * Mocha loads its test files before it runs any of them (serial mode: every file; a `--parallel` worker: one file per
 * Mocha instance). Its root suite announces each file ('pre-require', 'post-require'): what a file's module scope
 * makes is that file's. The root suite exists only once `new Mocha()` has run, after our plugin was loaded, so
 * Mocha's file loaders are wrapped to listen on it first.
 */
import { FileSession } from '@leakwatch/core/adapter';
import type { SuiteLike } from './mocha-types.js';
import { endAll, loaded } from './sessions.js';

const kWrapped = Symbol.for('leakwatch.mocha.loading');
const watched = new WeakSet<object>();

function watch(suite: SuiteLike | undefined): void {
  if (!suite || watched.has(suite)) return;
  watched.add(suite);
  suite.on('pre-require', (_context: unknown, file: string) => {
    loaded(file);
    FileSession.loading(file);
  });
  suite.on('post-require', () => FileSession.loading(null));
}

/**
 * A test file that throws while it loads never runs a hook, ours included: what it made before the throw would be
 * neither reported nor reaped (under --parallel the worker lives on, and runs the next files). The files loaded so
 * far are judged before Mocha hears of the error. Mocha's own async loader only: its sync one is for CommonJS
 * callers of the API, who get the error as before.
 */
function judgeFailedLoads(proto: any): void {
  const original = proto.loadFilesAsync;
  if (typeof original !== 'function') return;
  proto.loadFilesAsync = function (this: MochaInstance, ...args: unknown[]) {
    return Promise.resolve(original.apply(this, args)).catch(async (error: unknown) => {
      FileSession.loading(null);
      await endAll().catch(() => {});
      throw error;
    });
  };
}

/** What a Mocha instance is about to run. */
export interface RunPlan {
  /** As Mocha resolved them (absolute). */
  files: string[];
  /** --bail: fewer files reported than planned means Mocha stopped early. */
  bail: boolean;
  /** The `leakwatch` key of Mocha's config (.mocharc.*): options over leakwatch.config.*. */
  options: unknown;
}

interface MochaInstance {
  suite?: SuiteLike;
  files?: unknown[];
  options?: { bail?: boolean; leakwatch?: unknown };
}

/**
 * `Mocha.prototype.loadFiles`, `loadFilesAsync` and `run` are Mocha's public API; wrapping them on the prototype is
 * the one way to be told of a Mocha instance before it loads. If they go, module-scope resources are no longer
 * attributed to their file (they are still seen if they outlive the run), and the report lists no tests.
 * `onRun` gets what the instance is about to run; `onRunner` the runner `Mocha#run` returns (documented), before any
 * of its events: in --parallel's main process, the runner that replays the workers' events.
 */
export function watchMocha(
  Mocha: { prototype: any },
  onRun: (plan: RunPlan) => void,
  onRunner: (runner: unknown) => void,
): void {
  const proto = Mocha.prototype;
  if (proto[kWrapped]) return;
  proto[kWrapped] = true;
  const wrap = (name: string, before: (mocha: MochaInstance) => void, after?: (result: unknown) => void) => {
    const original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function (this: MochaInstance, ...args: unknown[]) {
      try {
        before(this);
      } catch {
        // Never the run's concern.
      }
      const result = original.apply(this, args);
      try {
        after?.(result);
      } catch {
        // Never the run's concern.
      }
      return result;
    };
  };
  wrap('loadFiles', (mocha) => watch(mocha.suite));
  wrap('loadFilesAsync', (mocha) => watch(mocha.suite));
  judgeFailedLoads(proto);
  wrap(
    'run',
    (mocha) =>
      onRun({
        files: (mocha.files ?? []).filter((f): f is string => typeof f === 'string'),
        bail: mocha.options?.bail === true,
        options: mocha.options?.leakwatch,
      }),
    onRunner,
  );
}

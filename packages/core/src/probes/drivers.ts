import Module from 'node:module';
import type { Tracker } from '../tracker.js';
import { instrumentLibsql } from './db/libsql.js';
import { instrumentMongodb } from './db/mongodb.js';
import { instrumentMysql2, instrumentMysql2Promise } from './db/mysql2.js';
import { instrumentPg } from './db/pg.js';
import { instrumentIoredis, instrumentNodeRedis } from './db/redis.js';
import type { Restore } from './patch.js';

/**
 * Patches a driver's freshly loaded exports in place: its prototypes, or properties of its exports object. Never a
 * replacement of the exports object itself: Node's ESM loader takes a CommonJS module's exports from a snapshot made
 * when the module finished loading (under a private symbol), before any require hook sees them, so `import` would
 * get the unpatched original. Properties are read after the hook runs (named imports, pg's ESM wrapper), so patching
 * them, or the prototypes of exported classes, reaches `require` and `import` alike (see libsql.ts for a class export).
 * This is why drivers need no ESM loader hooks: `module.register` (Node >= 20.6) would start a loader thread in every
 * test process and could only rewrite source text, `module.registerHooks` is not on Node 20, and import-in-the-middle
 * is built on `module.register`; the require hook below already runs for every CommonJS load, ESM imports included,
 * and costs one map lookup for modules that are not drivers.
 */
type Instrument = (exports: any, tracker: Tracker) => void;

/** By the specifier a test (or another package) requires. */
const BY_SPECIFIER = new Map<string, Instrument>([
  ['pg', instrumentPg],
  ['ioredis', instrumentIoredis],
  ['redis', instrumentNodeRedis],
  ['@redis/client', instrumentNodeRedis],
  ['mysql2', instrumentMysql2],
  ['mysql2/promise', instrumentMysql2Promise],
  ['mongodb', instrumentMongodb],
  ['libsql', instrumentLibsql],
]);

/** The same entry points as files: Node's ESM loader asks for a CommonJS package's main file by its absolute path. */
const BY_FILE: Array<[RegExp, Instrument]> = [
  [/[\\/]node_modules[\\/]pg[\\/]lib[\\/]index\.js$/, instrumentPg],
  [/[\\/]node_modules[\\/]ioredis[\\/]built[\\/]index\.js$/, instrumentIoredis],
  [/[\\/]node_modules[\\/](?:redis|@redis[\\/]client)[\\/]dist[\\/]index\.js$/, instrumentNodeRedis],
  [/[\\/]node_modules[\\/]mysql2[\\/]index\.js$/, instrumentMysql2],
  [/[\\/]node_modules[\\/]mysql2[\\/]promise\.js$/, instrumentMysql2Promise],
  [/[\\/]node_modules[\\/]mongodb[\\/]lib[\\/]index\.js$/, instrumentMongodb],
  [/[\\/]node_modules[\\/]libsql[\\/]index\.js$/, instrumentLibsql],
];

const instrumented = new WeakSet<object>();

function instrumentFor(request: string): Instrument | undefined {
  const bySpecifier = BY_SPECIFIER.get(request);
  if (bySpecifier) return bySpecifier;
  // Absolute paths only: relative requests inside packages are the common case and never entry points we patch.
  if (request.length < 20 || !request.includes('node_modules')) return undefined;
  return BY_FILE.find(([re]) => re.test(request))?.[1];
}

/**
 * Instruments a database driver's module as it is loaded, whichever loader loads it: Node's (this file's hook) or
 * Jest's per-file registry (the Jest adapter calls this from its runtime hook). Returns the same exports, patched in
 * place. Costs one map lookup per require for everything else.
 */
export function instrumentRequire(request: unknown, exports: unknown, tracker: Tracker): unknown {
  if (typeof request !== 'string' || exports == null || (typeof exports !== 'object' && typeof exports !== 'function'))
    return exports;
  const instrument = instrumentFor(request);
  if (!instrument) return exports;
  if (instrumented.has(exports)) return exports;
  instrumented.add(exports);
  try {
    instrument(exports, tracker);
  } catch {
    // A driver version whose shape we don't know loads untouched rather than break the user's import.
  }
  return exports;
}

/** Node's loader: CommonJS requires, and ESM imports of CommonJS drivers (Vitest's externalized dependencies). */
export function installDrivers(tracker: Tracker): Restore {
  const M = Module as any;
  const originalLoad = M._load;
  M._load = function _load(request: unknown) {
    return instrumentRequire(request, originalLoad.apply(this, arguments), tracker);
  };
  // Drivers already loaded before leakwatch (a setup file that imports pg first) are patched where they sit.
  for (const [filename, entry] of Object.entries<any>(M._cache)) {
    if (filename.includes('node_modules') && instrumentFor(filename))
      instrumentRequire(filename, entry?.exports, tracker);
  }
  return () => {
    if (M._load !== originalLoad) M._load = originalLoad;
  };
}

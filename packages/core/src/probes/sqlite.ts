import Module, { createRequire } from 'node:module';
import type { ResourceType, Tracker } from '../tracker.js';
import { trackConstructor, type Restore } from './patch.js';

interface SqliteDatabase {
  open: boolean;
  name: string;
  memory: boolean;
}

export const betterSqliteType: ResourceType<SqliteDatabase> = {
  kind: 'sqlite',
  // better-sqlite3 handles are synchronous native objects: invisible to async_hooks, so read `.open`.
  isOpen: (db) => db.open === true,
  details: (db) => ({ driver: 'better-sqlite3', name: db.name, memory: db.memory }),
};

const kWrapped = Symbol.for('leakwatch.sqlite.wrapped');
const INDEX_RE = /[\\/]better-sqlite3[\\/]lib[\\/]index\.js$/;
const DATABASE_RE = /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/;

/** A Database constructor that reports each connection, callable with or without `new` like the original. */
function wrapDatabase(Database: any, tracker: Tracker): any {
  const onCreate = (db: SqliteDatabase, above: Function) => tracker.track(betterSqliteType, db, above);
  const Tracked: any = trackConstructor(Database, onCreate);
  return new Proxy(Tracked, {
    apply: function apply(_target, _this, args) {
      const db = Reflect.construct(Database, args) as SqliteDatabase;
      onCreate(db, apply);
      return db;
    },
    get: (target, key) => (key === kWrapped ? true : Reflect.get(target, key)),
  });
}

/**
 * better-sqlite3's lib/index.js is `module.exports = require('./lib/database')`. Wrapping the value that require
 * returns there means every importer, CommonJS or ESM through Node's loader, sees the tracked constructor, and
 * costs one regex test per module load when the driver is not installed.
 */
export function installSqlite(tracker: Tracker): Restore {
  const M = Module as any;
  // Already loaded before leakwatch (a setup file, or an earlier file in a shared process): patch the cache.
  for (const [filename, entry] of Object.entries<any>(M._cache)) {
    if ((INDEX_RE.test(filename) || DATABASE_RE.test(filename)) && typeof entry?.exports === 'function' && !entry.exports[kWrapped]) {
      entry.exports = wrapDatabase(entry.exports, tracker);
    }
  }
  const originalLoad = M._load;
  M._load = function _load(request: string, parent: { filename?: string } | undefined) {
    const exports = originalLoad.apply(this, arguments);
    if (
      typeof exports === 'function' &&
      !exports[kWrapped] &&
      typeof request === 'string' &&
      request.endsWith('database') &&
      parent?.filename &&
      INDEX_RE.test(parent.filename)
    ) {
      try {
        const wrapped = wrapDatabase(exports, tracker);
        const entry = M._cache[M._resolveFilename(request, parent)];
        if (entry) entry.exports = wrapped;
        return wrapped;
      } catch {
        return exports;
      }
    }
    return exports;
  };
  return () => {
    if (M._load !== originalLoad) M._load = originalLoad;
  };
}

/** For tests and diagnostics: resolves better-sqlite3 from a directory, if installed. */
export function resolveBetterSqlite(fromDir: string): string | undefined {
  try {
    return createRequire(`${fromDir}/`).resolve('better-sqlite3');
  } catch {
    return undefined;
  }
}

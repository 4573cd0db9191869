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
const ENTRY_RE = /[\\/]better-sqlite3[\\/]lib[\\/]index\.js$/;

/**
 * Wraps the better-sqlite3 export in the module cache the first time anyone loads it, so every importer
 * (require, or import through Node's CJS loader) gets a tracked Database. Costs a string compare per load when
 * the driver is not installed.
 */
export function installSqlite(tracker: Tracker): Restore {
  const M = Module as any;
  const wrap = (filename: string) => {
    const entry = M._cache[filename];
    if (!entry || typeof entry.exports !== 'function' || entry.exports[kWrapped]) return;
    const Database = entry.exports;
    const handler = (db: SqliteDatabase, above: Function) => tracker.track(betterSqliteType, db, above);
    const Tracked: any = trackConstructor(Database, handler);
    // better-sqlite3 also allows Database(...) without new.
    const Callable: any = new Proxy(Tracked, {
      apply: function apply(_target, _this, args) {
        const db = Reflect.construct(Database, args) as SqliteDatabase;
        handler(db, apply);
        return db;
      },
      get: (target, key) => (key === kWrapped ? true : Reflect.get(target, key)),
    });
    entry.exports = Callable;
  };

  // Already loaded before leakwatch (a setup file, or an earlier file in a shared process).
  for (const filename of Object.keys(M._cache)) if (ENTRY_RE.test(filename)) wrap(filename);

  const originalLoad = M._load;
  M._load = function _load(request: string, parent: unknown, isMain: boolean) {
    const exports = originalLoad.apply(this, arguments);
    if (typeof exports === 'function' && !exports[kWrapped] && (request === 'better-sqlite3' || ENTRY_RE.test(request))) {
      try {
        const filename = M._resolveFilename(request, parent, isMain);
        wrap(filename);
        return M._cache[filename]?.exports ?? exports;
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

import { isBuiltin } from 'node:module';
import type { ResourceType, Tracker } from '../../tracker.js';
import { replace, type Restore } from '../patch.js';
import { trackClass } from './wrap.js';

/** node:sqlite's DatabaseSync (Node >= 22.5): a synchronous handle like better-sqlite3's, so it keeps the `sqlite` kind. */
export const nodeSqliteType: ResourceType<any> = {
  kind: 'sqlite',
  isOpen: (db) => {
    // isOpen arrived in Node 22.15; before it, a closed database refuses to prepare a statement.
    if (typeof db.isOpen === 'boolean') return db.isOpen;
    try {
      db.prepare('SELECT 1');
      return true;
    } catch {
      return false;
    }
  },
  details: () => ({ driver: 'node:sqlite' }),
  hint: 'node:sqlite',
  close: (db) => db.close(),
};

/**
 * Builtins imported as ESM never pass through a loader hook, so DatabaseSync is wrapped up front where Node has it
 * (on Node 20 there is nothing to do). Loading node:sqlite prints an ExperimentalWarning on Node 22; leakwatch's
 * load must not make it appear in runs that never use SQLite, so that one warning is held back while it loads.
 */
export function installNodeSqlite(tracker: Tracker): Restore {
  const getBuiltinModule = (process as any).getBuiltinModule as ((id: string) => any) | undefined;
  if (typeof getBuiltinModule !== 'function' || !isBuiltin('node:sqlite')) return () => {};
  const emitWarning = process.emitWarning;
  let sqlite: any;
  process.emitWarning = function (this: unknown, warning: unknown, ...rest: unknown[]) {
    if (/SQLite/i.test(String((warning as Error)?.message ?? warning))) return;
    return (emitWarning as Function).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = getBuiltinModule('node:sqlite');
  } catch {
    // Node 22.5–22.12 without --experimental-sqlite: the module cannot be loaded, so no test can use it either.
    return () => {};
  } finally {
    process.emitWarning = emitWarning;
  }
  if (typeof sqlite?.DatabaseSync !== 'function') return () => {};
  return replace(sqlite, 'DatabaseSync', trackClass(sqlite.DatabaseSync, nodeSqliteType, tracker));
}

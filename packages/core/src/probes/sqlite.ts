import Module from 'node:module';
import path from 'node:path';
import type { ResourceType, Tracker } from '../tracker.js';
import { trackClass } from './db/wrap.js';
import type { Restore } from './patch.js';

/** better-sqlite3's native connection object (`db[cppdb]`), which its JS Database delegates to. */
interface NativeDatabase {
  open: boolean;
  name: string;
  memory: boolean;
}

export const betterSqliteType: ResourceType<NativeDatabase> = {
  kind: 'sqlite',
  // Synchronous native handles are invisible to async_hooks and getActiveResourcesInfo(): read `.open`.
  isOpen: (db) => db.open === true,
  // better-sqlite3 opens synchronously: not open is closed.
  isClosed: (db) => db.open !== true,
  details: (db) => ({ driver: 'better-sqlite3', name: db.name, memory: db.memory }),
  close: (db) => (db as any).close(),
};

/** sqlite3 (the async driver): its JS Database is the native class; `open` turns true once the async open is done. */
export const sqlite3Type: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (db) => db.open === true,
  details: (db) => ({ driver: 'sqlite3', name: db.filename }),
  hint: 'sqlite3',
  close: (db) => new Promise<void>((resolve) => db.close(() => resolve())),
};

/**
 * Each native addon whose Database class is the connection: better-sqlite3 12 builds build/Release/better_sqlite3.node,
 * 13 ships prebuilds/<platform>.node.
 */
const ADDONS: Array<[RegExp, ResourceType]> = [
  [/(?:[\\/]better_sqlite3|[\\/]better-sqlite3[\\/]prebuilds[\\/][^\\/]+)\.node$/, betterSqliteType],
  [/[\\/]node_sqlite3\.node$/, sqlite3Type],
];

function wrapAddon(addon: any, type: ResourceType, tracker: Tracker): void {
  if (addon && typeof addon.Database === 'function') addon.Database = trackClass(addon.Database, type, tracker);
}

function addonType(filename: string): ResourceType | undefined {
  return ADDONS.find(([re]) => re.test(filename))?.[1];
}

/**
 * Wraps the Database class of the SQLite drivers' native addons (better-sqlite3, sqlite3). Every copy of the JS
 * package (Node's module cache, Vitest's externalized import, Jest's per-file registry) loads the one native module
 * through Node's own loader, so this reaches them all. Costs one regex test per module load when the driver is not installed.
 */
export function installSqlite(tracker: Tracker): Restore {
  const M = Module as any;
  for (const [filename, entry] of Object.entries<any>(M._cache)) {
    const type = filename.endsWith('.node') ? addonType(filename) : undefined;
    if (type) wrapAddon(entry?.exports, type, tracker);
  }
  const originalLoad = M._load;
  M._load = function _load(request: unknown, parent: { filename?: string } | undefined) {
    const exports = originalLoad.apply(this, arguments);
    if (typeof request === 'string' && request.endsWith('.node')) {
      // better-sqlite3 13 requires '../prebuilds/<platform>.node' relative to its own file.
      const absolute =
        request.startsWith('.') && parent?.filename ? path.resolve(path.dirname(parent.filename), request) : request;
      const type = addonType(absolute);
      if (!type) return exports;
      try {
        wrapAddon(exports, type, tracker);
      } catch {
        // Leave the driver untouched rather than break the user's import.
      }
    }
    return exports;
  };
  return () => {
    if (M._load !== originalLoad) M._load = originalLoad;
  };
}

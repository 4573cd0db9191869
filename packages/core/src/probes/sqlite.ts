import Module from 'node:module';
import path from 'node:path';
import type { ResourceType, Tracker } from '../tracker.js';
import { trackConstructor, type Restore } from './patch.js';

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
  details: (db) => ({ driver: 'better-sqlite3', name: db.name, memory: db.memory }),
  close: (db) => (db as any).close(),
};

const kWrapped = Symbol.for('leakwatch.sqlite.wrapped');
// v12 builds build/Release/better_sqlite3.node; v13 ships prebuilds/<platform>.node.
const ADDON_RE = /(?:[\\/]better_sqlite3|[\\/]better-sqlite3[\\/]prebuilds[\\/][^\\/]+)\.node$/;

function wrapAddon(addon: any, tracker: Tracker): void {
  if (!addon || typeof addon.Database !== 'function' || addon.Database[kWrapped]) return;
  const Tracked = trackConstructor(addon.Database, (db, above) => tracker.track(betterSqliteType, db, above));
  Object.defineProperty(Tracked, kWrapped, { value: true });
  addon.Database = Tracked;
}

/**
 * Wraps the Database class of better-sqlite3's native addon. Every copy of the JS package (Node's module cache,
 * Vitest's externalized import, Jest's per-file registry) loads the one native module through Node's own loader, so
 * this reaches them all. Costs one regex test per module load when the driver is not installed.
 */
export function installSqlite(tracker: Tracker): Restore {
  const M = Module as any;
  for (const [filename, entry] of Object.entries<any>(M._cache)) {
    if (ADDON_RE.test(filename)) wrapAddon(entry?.exports, tracker);
  }
  const originalLoad = M._load;
  M._load = function _load(request: unknown, parent: { filename?: string } | undefined) {
    const exports = originalLoad.apply(this, arguments);
    if (typeof request === 'string' && request.endsWith('.node')) {
      // better-sqlite3 13 requires '../prebuilds/<platform>.node' relative to its own file.
      const absolute = request.startsWith('.') && parent?.filename ? path.resolve(path.dirname(parent.filename), request) : request;
      if (!ADDON_RE.test(absolute)) return exports;
      try {
        wrapAddon(exports, tracker);
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

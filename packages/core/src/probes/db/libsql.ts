import type { ResourceType, Tracker } from '../../tracker.js';
import { trackClass } from './wrap.js';

/** libsql's better-sqlite3-like Database, which @libsql/client uses for `file:` and `:memory:` URLs. */
export const libsqlType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (db) => db.open !== false && db.db != null,
  details: () => ({ driver: 'libsql' }),
  hint: 'call client.close() (or db.close()) in afterAll',
  close: (db) => db.close(),
};

/** libsql's export is the Database class: the wrapped class replaces it for every importer. */
export function instrumentLibsql(exports: any, tracker: Tracker): unknown {
  return typeof exports === 'function' ? trackClass(exports, libsqlType, tracker) : undefined;
}

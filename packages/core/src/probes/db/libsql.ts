import type { ResourceType, Tracker } from '../../tracker.js';

/** libsql's better-sqlite3-like Database, which @libsql/client uses for `file:` and `:memory:` URLs. */
export const libsqlType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (db) => db.open !== false && db.db != null,
  details: () => ({ driver: 'libsql' }),
  hint: 'libsql',
  close: (db) => db.close(),
};

/**
 * libsql's export is the Database class itself. A wrapped class handed back by the require hook would reach CommonJS
 * importers only: Node's ESM loader takes a CommonJS module's exports from a snapshot made when the module finished
 * loading (`Module.prototype.load`, kept under a private symbol), so `import Database from 'libsql'` (as
 * @libsql/client's ESM build does) would get the original class and its connections would be invisible.
 *
 * The class is instrumented in place instead. Its constructor ends with `this.open = true` (better-sqlite3's public
 * `db.open`); an accessor for `open` on the prototype makes that assignment the moment the connection is recorded, and
 * gives the instance its own plain `open` property, so later reads and `close()`'s `this.open = false` cost nothing.
 * If a libsql version stopped assigning `open` in its constructor, its connections would go unrecorded (the
 * integration tests pin one that does).
 */
export function instrumentLibsql(exports: any, tracker: Tracker): void {
  const proto = typeof exports === 'function' ? exports.prototype : undefined;
  // An `open` already on the prototype: instrumented before (the same class reached through two importers).
  if (!proto || Object.hasOwn(proto, 'open')) return;
  Object.defineProperty(proto, 'open', {
    configurable: true,
    get: () => undefined,
    set: function open(this: object, value: unknown) {
      Object.defineProperty(this, 'open', { value, writable: true, enumerable: true, configurable: true });
      if (value === true) tracker.trackOnce(libsqlType, this, open);
    },
  });
}

import type { ResourceType, Tracker } from '../../tracker.js';
import { redactDetail } from '../../redact.js';
import { trackFactory } from './wrap.js';

export const mysqlConnectionType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (c) => !c._closing && !c._fatalError && c.stream != null && c.stream.destroyed !== true,
  details: (c) => ({
    driver: 'mysql2',
    client: 'Connection',
    database: redactDetail(c.config?.database),
    host: redactDetail(c.config?.host),
    port: c.config?.port,
  }),
  hint: 'mysql2.Connection',
  owns: (c) => [c.stream, c.connectTimeout],
  packages: /[\\/]node_modules[\\/]mysql2[\\/]/,
  close: (c) => new Promise<void>((resolve) => c.end(() => resolve())),
};

function poolConnections(p: any): any[] {
  const all = p._allConnections;
  return typeof all?.toArray === 'function' ? all.toArray() : Array.isArray(all) ? all : [];
}

export const mysqlPoolType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (p) => !p._closed && poolConnections(p).length > 0,
  details: (p) => ({
    driver: 'mysql2',
    client: 'Pool',
    database: redactDetail(p.config?.connectionConfig?.database),
    connections: poolConnections(p).length,
  }),
  isClosed: (p) => p._closed === true,
  hint: 'mysql2.Pool',
  owns: (p) => [
    ...poolConnections(p),
    ...poolConnections(p).map((c: any) => c.stream),
    p._removeIdleTimeoutConnectionsTimer,
  ],
  packages: /[\\/]node_modules[\\/]mysql2[\\/]/,
  close: (p) => new Promise<void>((resolve) => p.end(() => resolve())),
};

/** mysql2/promise resolves its connection later: the record is made at the call (its site), the connection filled in. */
interface Pending {
  connection?: any;
  settled?: boolean;
}

export const mysqlPendingType: ResourceType<Pending> = {
  kind: 'db-connection',
  isOpen: (h) => h.connection != null && mysqlConnectionType.isOpen(h.connection),
  isClosed: (h) => h.settled === true,
  details: (h, view) => (h.connection ? mysqlConnectionType.details(h.connection, view) : { driver: 'mysql2' }),
  hint: 'mysql2.Connection',
  owns: (h) => (h.connection ? [h.connection, ...mysqlConnectionType.owns!(h.connection)] : []),
  packages: /[\\/]node_modules[\\/]mysql2[\\/]/,
  close: (h) => (h.connection ? mysqlConnectionType.close(h.connection) : undefined),
};

export function instrumentMysql2(exports: any, tracker: Tracker): void {
  trackFactory(exports, 'createConnection', mysqlConnectionType, tracker);
  if (exports?.connect !== exports?.createConnection) trackFactory(exports, 'connect', mysqlConnectionType, tracker);
  trackFactory(exports, 'createPool', mysqlPoolType, tracker);
}

export function instrumentMysql2Promise(exports: any, tracker: Tracker): void {
  trackFactory(exports, 'createPool', mysqlPoolType, tracker, (promisePool) => promisePool.pool);
  trackFactory(exports, 'createConnection', mysqlPendingType, tracker, (promise) => {
    if (typeof promise.then !== 'function') return undefined;
    const pending: Pending = {};
    // A failed connect holds nothing: the rejection is the caller's to handle, this branch only observes it.
    promise.then(
      (c: any) => {
        pending.connection = c?.connection;
        pending.settled = true;
      },
      () => {
        pending.settled = true;
      },
    );
    return pending;
  });
}

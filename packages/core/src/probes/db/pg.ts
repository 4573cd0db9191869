import type { ResourceType, Tracker } from '../../tracker.js';
import { redactDetail } from '../../redact.js';
import { trackClass, trackMethod } from './wrap.js';

/** node-postgres: a Client is open from connect() until end(); a Pool while it holds clients and was not ended. */
export const pgClientType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (c) => !c._ending && !c._ended && (c._connected || c._connecting) && c.connection?.stream?.destroyed !== true,
  details: (c) => ({
    driver: 'pg',
    client: 'Client',
    database: redactDetail(c.database),
    host: redactDetail(c.host),
    port: c.port,
  }),
  hint: 'pg.Client',
  owns: (c) => [c.connection?.stream, c.connectionTimeoutHandle],
  packages: /[\\/]node_modules[\\/](?:pg|pg-protocol)[\\/]/,
  close: (c) => c.end(),
};

export const pgPoolType: ResourceType<any> = {
  kind: 'db-connection',
  // allowExitOnIdle unrefs idle clients: such a pool does not keep the process alive while all of them are idle.
  isOpen: (p) =>
    !p.ending &&
    !p.ended &&
    p._clients?.length > 0 &&
    !(p.options?.allowExitOnIdle && p._idle?.length === p._clients.length),
  details: (p) => ({
    driver: 'pg',
    client: 'Pool',
    database: redactDetail(p.options?.database),
    clients: p._clients?.length,
    idle: p._idle?.length,
  }),
  isClosed: (p) => p.ending || p.ended,
  hint: 'pg.Pool',
  owns: (p) => [
    ...(p._clients ?? []),
    ...(p._clients ?? []).flatMap((c: any) => [c.connection?.stream, c.connectionTimeoutHandle]),
    ...(p._idle ?? []).map((idle: any) => idle.timeoutId),
  ],
  packages: /[\\/]node_modules[\\/]pg-pool[\\/]/,
  close: (p) => p.end(),
};

/** `exports`: pg's main module (an object with Client and Pool); the ESM entry re-reads it after this runs. */
export function instrumentPg(exports: any, tracker: Tracker): void {
  trackMethod(exports?.Client?.prototype, 'connect', pgClientType, tracker);
  if (typeof exports?.Pool === 'function') exports.Pool = trackClass(exports.Pool, pgPoolType, tracker);
}

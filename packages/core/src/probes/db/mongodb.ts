import type { ResourceType, Tracker } from '../../tracker.js';
import { redactValue } from '../../redact.js';
import { trackMethod } from './wrap.js';

/** A MongoClient holds monitor sockets and heartbeat timers from connect() (explicit or on first use) until close(). */
export const mongoClientType: ResourceType<any> = {
  kind: 'db-connection',
  // A failed connect leaves a closed topology behind: that holds nothing.
  isOpen: (c) => c.topology != null && c.topology.s?.state !== 'closed',
  details: (c) => ({
    driver: 'mongodb',
    hosts: redactValue((c.options?.hosts ?? []).map(String).join(' ')) || undefined,
  }),
  hint: 'mongodb',
  packages: /[\\/]node_modules[\\/](?:mongodb|bson)[\\/]/,
  close: (c) => c.close(),
};

export function instrumentMongodb(exports: any, tracker: Tracker): void {
  trackMethod(exports?.MongoClient?.prototype, 'connect', mongoClientType, tracker);
}

import type { ResourceType, Tracker } from '../../tracker.js';
import { redactDetail } from '../../redact.js';
import { afterFactory, trackMethod } from './wrap.js';

/** ioredis connects from its constructor (unless lazyConnect) and keeps reconnecting until quit()/disconnect(). */
export const ioredisType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (r) => r.status !== 'end' && r.status !== 'wait',
  details: (r) => ({
    driver: 'ioredis',
    client: r.constructor?.name === 'Cluster' ? 'Cluster' : 'Redis',
    status: r.status,
    host: redactDetail(r.options?.host),
    port: r.options?.port,
  }),
  hint: 'ioredis',
  owns: (r) => [r.stream, r.reconnectTimeout],
  packages: /[\\/]node_modules[\\/]ioredis[\\/]/,
  close: (r) => r.disconnect(),
};

export function instrumentIoredis(exports: any, tracker: Tracker): void {
  // The module's export is the Redis class itself; Cluster hangs off it.
  trackMethod(exports?.prototype, 'connect', ioredisType, tracker);
  trackMethod(exports?.Cluster?.prototype, 'connect', ioredisType, tracker);
}

/** node-redis (`redis`, `@redis/client`): open from connect() until quit()/close()/destroy(); createClient() alone holds nothing. */
export const nodeRedisType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (c) => c.isOpen === true,
  details: (c) => {
    const options = c.options ?? {};
    return {
      driver: 'redis',
      host: redactDetail(options.socket?.host),
      port: options.socket?.port,
      url: redactDetail(options.url),
    };
  },
  hint: 'node-redis',
  packages: /[\\/]node_modules[\\/]@redis[\\/]client[\\/]/,
  close: (c) => (typeof c.destroy === 'function' ? c.destroy() : c.disconnect()),
};

/**
 * The client class is not exported: the first client createClient() makes leads to the prototype that owns connect(),
 * which is then wrapped once. `redis` calls `@redis/client`'s createClient, so either entry point gets there.
 */
export function instrumentNodeRedis(exports: any, tracker: Tracker): void {
  afterFactory(exports, 'createClient', (client) => {
    let proto = client;
    while (proto && !Object.hasOwn(proto, 'connect')) proto = Object.getPrototypeOf(proto);
    if (proto && proto !== Object.prototype) trackMethod(proto, 'connect', nodeRedisType, tracker);
  });
}

import type { ResourceType, Tracker } from '../../tracker.js';
import { trackFactory, trackMethod } from './wrap.js';

/** ioredis connects from its constructor (unless lazyConnect) and keeps reconnecting until quit()/disconnect(). */
export const ioredisType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (r) => r.status !== 'end' && r.status !== 'wait',
  details: (r) => ({
    driver: 'ioredis',
    client: r.constructor?.name === 'Cluster' ? 'Cluster' : 'Redis',
    status: r.status,
    host: r.options?.host,
    port: r.options?.port,
  }),
  hint: 'await redis.quit() (or call redis.disconnect()) in afterAll',
  owns: (r) => [r.stream, r.reconnectTimeout],
  packages: /[\\/]node_modules[\\/]ioredis[\\/]/,
  close: (r) => r.disconnect(),
};

export function instrumentIoredis(exports: any, tracker: Tracker): void {
  // The module's export is the Redis class itself; Cluster hangs off it.
  trackMethod(exports?.prototype, 'connect', ioredisType, tracker);
  trackMethod(exports?.Cluster?.prototype, 'connect', ioredisType, tracker);
}

/** node-redis (`redis`, `@redis/client`): open from connect() until quit()/close()/destroy(). */
export const nodeRedisType: ResourceType<any> = {
  kind: 'db-connection',
  isOpen: (c) => c.isOpen === true,
  details: (c) => {
    const options = c.options ?? {};
    return { driver: 'redis', host: options.socket?.host, port: options.socket?.port, url: redactUrl(options.url) };
  },
  hint: 'await client.quit() (node-redis 5: client.close()) in afterAll',
  packages: /[\\/]node_modules[\\/]@redis[\\/]client[\\/]/,
  close: (c) => (typeof c.destroy === 'function' ? c.destroy() : c.disconnect()),
};

/** Wrapped in both packages: `redis` calls `@redis/client`'s createClient, and the first to see a client records it. */
export function instrumentNodeRedis(exports: any, tracker: Tracker): void {
  trackFactory(exports, 'createClient', nodeRedisType, tracker);
}

export function redactUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, replace, type Restore } from './patch.js';

const kTracked = Symbol('leakwatch.tracked');

export const serverType: ResourceType<net.Server> = {
  kind: 'server',
  // close() drops the handle at once; an unref'ed server does not hold the process.
  isOpen: (s) => handleHasRef((s as any)._handle),
  details: (s) => {
    const address = s.address();
    return {
      type: s.constructor?.name,
      address: typeof address === 'string' ? address : address ? `${address.address}:${address.port}` : undefined,
    };
  },
};

/** net.Server.prototype.listen is shared by net, http, https, http2 and tls servers. */
export function installServers(tracker: Tracker): Restore {
  const originalListen = net.Server.prototype.listen;
  const wrapped = function listen(this: net.Server, ...args: unknown[]) {
    if (!(this as any)[kTracked]) {
      (this as any)[kTracked] = true;
      tracker.track(serverType, this, wrapped);
    }
    return (originalListen as any).apply(this, args);
  };
  return replace(net.Server.prototype, 'listen', wrapped as any);
}

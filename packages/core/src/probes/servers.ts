import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, trackOnFirstCall, type Restore } from './patch.js';

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
  // Idle keep-alive connections would hold an http server's close() open; drop them first.
  close: (s) =>
    new Promise<void>((resolve) => {
      (s as any).closeAllConnections?.();
      s.close(() => resolve());
    }),
};

/** net.Server.prototype.listen is shared by net, http, https, http2 and tls servers. */
export function installServers(tracker: Tracker): Restore {
  return trackOnFirstCall(net.Server.prototype, 'listen', serverType, tracker);
}

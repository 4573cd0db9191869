import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, privateSymbol, trackOnFirstCall, type Restore } from './patch.js';

export const serverType: ResourceType<net.Server> = {
  kind: 'server',
  // close() drops the handle at once; an unref'ed server does not hold the process.
  isOpen: (s) => handleHasRef((s as any)._handle),
  // Between listen() and its handle (the host is looked up first) there is no handle yet either: closed for good is a
  // server that had a handle and dropped it. Node gives a server its async id (-1 until then) when the handle is made,
  // and keeps it after close(). Private: if the symbol goes, servers are kept until their file is judged.
  isClosed: (s) => {
    const kAsyncId = privateSymbol(s, 'async_id_symbol');
    return kAsyncId !== undefined && (s as any)._handle == null && (s as any)[kAsyncId] !== -1;
  },
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

import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, privateSymbol, trackOnFirstCall, type Restore } from './patch.js';

/** Set on a server whose listen() gave up before it had a handle: its host lookup failed, or close() came first. */
const kGaveUp = Symbol('leakwatch.listenGaveUp');

/**
 * Node gives a server its async id (-1 until then) when its handle is made, and keeps it after close(): a server that
 * called listen() (it is tracked from then on), has no id yet and has not given up is still looking up its host.
 * Private: if the symbol goes, such a server counts as not open yet and servers are kept until their file is judged.
 */
function listenPending(s: net.Server): boolean {
  const kAsyncId = privateSymbol(s, 'async_id_symbol');
  return kAsyncId !== undefined && (s as any)[kAsyncId] === -1 && (s as any)[kGaveUp] !== true;
}

/**
 * While its host is looked up a server has no handle, and nothing in it says whether the lookup failed (an 'error')
 * or close() cancelled it (a 'close'): its own emit tells, until the first of 'listening', 'error' or 'close'.
 */
function watchPendingListen(server: any): void {
  const emit = server.emit;
  server.emit = function (this: any, event: string | symbol, ...args: unknown[]) {
    if (event === 'listening' || event === 'error' || event === 'close') {
      if (this.emit === server.emit) delete this.emit;
      if (event !== 'listening') this[kGaveUp] = true;
    }
    return emit.call(this, event, ...args);
  };
}

export const serverType: ResourceType<net.Server> = {
  kind: 'server',
  // close() drops the handle at once; an unref'ed server does not hold the process. One still resolving its host is
  // about to hold it (unless unref() was called first), so it is open already: a file that ends (or throws) right
  // after an un-awaited listen() is judged on it, and settles until it binds.
  isOpen: (s) =>
    (s as any)._handle != null ? handleHasRef((s as any)._handle) : listenPending(s) && (s as any)._unref !== true,
  isClosed: (s) => (s as any)._handle == null && !listenPending(s) && privateSymbol(s, 'async_id_symbol') !== undefined,
  details: (s) => {
    const address = s.address();
    return {
      type: s.constructor?.name,
      address: typeof address === 'string' ? address : address ? `${address.address}:${address.port}` : undefined,
    };
  },
  // Idle keep-alive connections would hold an http server's close() open; drop them first. A server still resolving
  // its host is closed once it listens, or it would bind after the reap.
  close: (s) =>
    new Promise<void>((resolve) => {
      const closeNow = () => {
        (s as any).closeAllConnections?.();
        s.close(() => resolve());
      };
      if (s.listening || !listenPending(s)) closeNow();
      else {
        s.once('listening', closeNow);
        s.once('error', () => resolve());
      }
    }),
};

/** net.Server.prototype.listen is shared by net, http, https, http2 and tls servers. */
export function installServers(tracker: Tracker): Restore {
  return trackOnFirstCall(net.Server.prototype, 'listen', serverType, tracker, (server) => {
    if (server._handle == null && !Object.hasOwn(server, 'emit')) watchPendingListen(server);
  });
}

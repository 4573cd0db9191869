import dgram from 'node:dgram';
import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, kRecord, privateSymbol, replace, trackOnFirstCall, type Restore } from './patch.js';

export const socketType: ResourceType<net.Socket> = {
  kind: 'socket',
  // undici and the http(s) Agent keep idle keep-alive sockets unref'ed (a TLS socket through the TCP handle under it,
  // see handleHasRef): those never hold the process and are not leaks.
  isOpen: (s) =>
    !s.destroyed && ((s as any)._handle == null ? (s as any).connecting === true : handleHasRef((s as any)._handle)),
  // An idle keep-alive socket is unref'ed in its agent's pool, not closed: a later request may hold it open again.
  isClosed: (s) => s.destroyed,
  details: (s) => ({
    protocol: (s as any).encrypted ? 'tls' : (s as any)._handle?.constructor?.name === 'Pipe' ? 'ipc' : 'tcp',
    remoteAddress: s.remoteAddress,
    remotePort: s.remotePort,
  }),
  close: (s) => {
    s.destroy();
  },
};

function udpHandle(s: dgram.Socket): unknown {
  const state = privateSymbol(s, 'state symbol');
  return state ? (s as any)[state]?.handle : undefined;
}

export const udpType: ResourceType<dgram.Socket> = {
  kind: 'socket',
  isOpen: (s) => handleHasRef(udpHandle(s)),
  isClosed: (s) => udpHandle(s) == null,
  details: (s) => {
    // "host:port" like a server's address: the message prints details as text, and an AddressInfo object came out
    // as "[object Object]".
    let address: string | undefined;
    try {
      const info = s.address();
      address = `${info.address}:${info.port}`;
    } catch {
      address = undefined;
    }
    return { protocol: 'udp', address };
  },
  close: (s) =>
    new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    }),
};

/**
 * A pooled socket changes hands when it is ref'ed again: http.Agent unrefs a keep-alive socket it keeps idle and refs
 * it when a new request takes it (undici does the same), so a request that never ends is the leak of the code that
 * made that request, at its line, not of the earlier one that opened the socket.
 */
function reattributeOnRef(tracker: Tracker): Restore {
  const proto = net.Socket.prototype as any;
  const original = proto.ref;
  const ref = function ref(this: any, ...args: unknown[]): unknown {
    const record = this[kRecord];
    if (typeof record === 'object' && this._handle != null && !handleHasRef(this._handle))
      tracker.reattribute(record, ref);
    return original.apply(this, args);
  };
  return replace(proto, 'ref', ref);
}

export function installSockets(tracker: Tracker): Restore {
  // A socket may reconnect, and dgram's send() binds implicitly: each is still one resource.
  const restores = [
    trackOnFirstCall(net.Socket.prototype, 'connect', socketType, tracker),
    trackOnFirstCall(dgram.Socket.prototype, 'bind', udpType, tracker),
    reattributeOnRef(tracker),
  ];
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

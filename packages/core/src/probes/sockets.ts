import dgram from 'node:dgram';
import net from 'node:net';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, privateSymbol, replace, type Restore } from './patch.js';

const kTracked = Symbol('leakwatch.tracked');

export const socketType: ResourceType<net.Socket> = {
  kind: 'socket',
  // undici keeps idle keep-alive sockets unref'ed: those never hold the process and are not leaks.
  isOpen: (s) => !s.destroyed && ((s as any)._handle == null ? (s as any).connecting === true : handleHasRef((s as any)._handle)),
  details: (s) => ({
    protocol: (s as any).encrypted ? 'tls' : (s as any)._handle?.constructor?.name === 'Pipe' ? 'ipc' : 'tcp',
    remoteAddress: s.remoteAddress,
    remotePort: s.remotePort,
  }),
};

function udpHandle(s: dgram.Socket): unknown {
  const state = privateSymbol(s, 'state symbol');
  return state ? (s as any)[state]?.handle : undefined;
}

export const udpType: ResourceType<dgram.Socket> = {
  kind: 'socket',
  isOpen: (s) => handleHasRef(udpHandle(s)),
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
};

export function installSockets(tracker: Tracker): Restore {
  const originalConnect = net.Socket.prototype.connect;
  const wrappedConnect = function connect(this: net.Socket, ...args: unknown[]) {
    // A socket may reconnect; it is one resource.
    if (!(this as any)[kTracked]) {
      (this as any)[kTracked] = true;
      tracker.track(socketType, this, wrappedConnect);
    }
    return (originalConnect as any).apply(this, args);
  };
  const originalBind = dgram.Socket.prototype.bind;
  const wrappedBind = function bind(this: dgram.Socket, ...args: unknown[]) {
    if (!(this as any)[kTracked]) {
      (this as any)[kTracked] = true;
      tracker.track(udpType, this, wrappedBind);
    }
    return (originalBind as any).apply(this, args);
  };
  const restores = [
    replace(net.Socket.prototype, 'connect', wrappedConnect as any),
    replace(dgram.Socket.prototype, 'bind', wrappedBind as any),
  ];
  return () => restores.reverse().forEach((r) => r());
}

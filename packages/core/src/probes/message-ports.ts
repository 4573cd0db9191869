import workerThreads, { type BroadcastChannel, type MessagePort } from 'node:worker_threads';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, privateSymbol, replace, trackConstructor, type Restore } from './patch.js';

export const messagePortType: ResourceType<MessagePort> = {
  kind: 'message-port',
  // A port holds the process only once it listens for messages; close() and unref() release it.
  isOpen: (p) => typeof (p as any).hasRef === 'function' && (p as any).hasRef(),
  details: () => ({ type: 'MessagePort' }),
  close: (p) => p.close(),
};

export const broadcastChannelType: ResourceType<BroadcastChannel> = {
  kind: 'message-port',
  isOpen: (c) => {
    const kHandle = privateSymbol(c, 'kHandle');
    return kHandle ? handleHasRef((c as any)[kHandle]) : false;
  },
  details: (c) => ({ type: 'BroadcastChannel', name: c.name }),
  close: (p) => p.close(),
};

export function installMessagePorts(tracker: Tracker): Restore {
  const restores: Restore[] = [];
  const OriginalChannel = workerThreads.MessageChannel;
  const Channel = trackConstructor(OriginalChannel, (channel, above) => {
    tracker.track(messagePortType, channel.port1, above);
    tracker.track(messagePortType, channel.port2, above);
  });
  restores.push(replace(workerThreads as any, 'MessageChannel', Channel));
  if (globalThis.MessageChannel === OriginalChannel)
    restores.push(replace(globalThis as any, 'MessageChannel', Channel));

  const OriginalBroadcast = workerThreads.BroadcastChannel;
  const Broadcast = trackConstructor(OriginalBroadcast, (channel, above) => {
    tracker.track(broadcastChannelType, channel, above);
  });
  restores.push(replace(workerThreads as any, 'BroadcastChannel', Broadcast));
  if (globalThis.BroadcastChannel === OriginalBroadcast)
    restores.push(replace(globalThis as any, 'BroadcastChannel', Broadcast));
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

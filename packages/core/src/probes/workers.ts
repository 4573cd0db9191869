import workerThreads, { type Worker } from 'node:worker_threads';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, privateSymbol, replace, trackConstructor, type Restore } from './patch.js';

const kFilename = Symbol('leakwatch.filename');

export const workerType: ResourceType<Worker> = {
  kind: 'worker',
  // getActiveResourcesInfo() does not list workers: read the thread id (-1 after exit) and the handle's ref state.
  isOpen: (w) => {
    if (w.threadId === -1) return false;
    const kHandle = privateSymbol(w, 'kHandle');
    return kHandle ? handleHasRef((w as any)[kHandle]) : true;
  },
  isClosed: (w) => w.threadId === -1,
  details: (w) => ({ threadId: w.threadId, filename: (w as any)[kFilename] }),
  close: async (w) => {
    await w.terminate();
  },
};

export function installWorkers(tracker: Tracker): Restore {
  const Tracked = trackConstructor(workerThreads.Worker, (worker, above) => {
    tracker.track(workerType, worker, above);
  });
  return replace(workerThreads as any, 'Worker', Tracked);
}

export function describeWorkerSource(source: unknown): string {
  return source instanceof URL ? source.href : String(source);
}

import fs from 'node:fs';
import type { ResourceType, Tracker } from '../tracker.js';
import { handleHasRef, replace, type Restore } from './patch.js';

const kTracked = Symbol('leakwatch.tracked');
const kPath = Symbol('leakwatch.path');

export const fsWatcherType: ResourceType<fs.FSWatcher | fs.StatWatcher> = {
  kind: 'fs-watcher',
  // close()/unwatchFile() drop the handle; unref() releases the process.
  isOpen: (w) => handleHasRef((w as any)._handle),
  // Both start synchronously, so no handle means closed (an unref'ed one keeps its handle).
  isClosed: (w) => (w as any)._handle == null,
  details: (w) => ({
    api: w.constructor?.name === 'StatWatcher' ? 'fs.watchFile' : 'fs.watch',
    path: (w as any)[kPath],
  }),
  close: (w) => {
    if (w.constructor?.name === 'StatWatcher') fs.unwatchFile((w as any)[kPath]);
    else (w as fs.FSWatcher).close();
  },
};

export function installFsWatchers(tracker: Tracker): Restore {
  const restores: Restore[] = [];
  for (const name of ['watch', 'watchFile'] as const) {
    const original = fs[name] as any;
    const wrapped = {
      [name](this: unknown, ...args: unknown[]) {
        const watcher = original.apply(this, args);
        // watchFile returns the same StatWatcher for repeated calls on one path: one resource.
        if (watcher && typeof watcher === 'object' && !watcher[kTracked]) {
          watcher[kTracked] = true;
          watcher[kPath] = String(args[0]);
          tracker.track(fsWatcherType, watcher, wrapped);
        }
        return watcher;
      },
    }[name] as any;
    restores.push(replace(fs as any, name, wrapped));
  }
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

import timers from 'node:timers';
import { promisify } from 'node:util';
import { ORIGINAL_TIMER, originalTimers } from '../originals.js';
import type { ResourceType, Tracker } from '../tracker.js';
import { replace, type Restore } from './patch.js';

interface NodeTimeout {
  hasRef(): boolean;
  _destroyed?: boolean;
  _repeat?: number | null;
  _idleTimeout?: number;
}

export const timerType: ResourceType<NodeTimeout> = {
  kind: 'timer',
  // An unref'ed timer never keeps the process alive, so it is not a leak; a fired or cleared one is destroyed.
  isOpen: (t) => t._destroyed !== true && typeof t.hasRef === 'function' && t.hasRef(),
  // Fired (not repeating) or cleared; an unref'ed timer may still be ref'ed again.
  isClosed: (t) => t._destroyed === true,
  details: (t) => ({ api: t._repeat ? 'setInterval' : 'setTimeout', delayMs: t._idleTimeout }),
  // clearTimeout clears intervals too; the original, so reaping is not itself tracked.
  close: (t) => originalTimers.clearTimeout(t as any),
};

/** The timer globals leakwatch wraps; a vm realm (Jest's per-file global) copies these from the outer one. */
export const WRAPPED_TIMERS = ['setTimeout', 'setInterval'] as const;
export { ORIGINAL_TIMER };

export function installTimers(tracker: Tracker): Restore {
  const restores: Restore[] = [];
  for (const name of WRAPPED_TIMERS) {
    const original = globalThis[name] as any;
    const wrapped = {
      [name](this: unknown, ...args: unknown[]) {
        const timer = original.apply(this, args);
        if (timer && typeof timer === 'object') tracker.track(timerType, timer, wrapped);
        return timer;
      },
    }[name] as any;
    wrapped[ORIGINAL_TIMER] = original;
    // Keep util.promisify(setTimeout) working; promisified timers settle by themselves.
    if (original[promisify.custom]) wrapped[promisify.custom] = original[promisify.custom];
    restores.push(replace(globalThis as any, name, wrapped));
    if ((timers as any)[name] === original) restores.push(replace(timers as any, name, wrapped));
  }
  return () => restores.reverse().forEach((r) => r());
}

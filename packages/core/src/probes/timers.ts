import timers from 'node:timers';
import { promisify } from 'node:util';
import { ORIGINAL_TIMER, originalTimers } from '../originals.js';
import type { ResourceType, Tracker } from '../tracker.js';
import { kRecord, replace, type Restore } from './patch.js';

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
  // Fired (not repeating) or cleared, or unref'ed: a cache may hold 100,000 unref'ed TTL timers, and keeping a record
  // (and a stack) for each until its file ends would cost more memory than the cache. One ref'ed again is recorded
  // again (retrackOnRef).
  isClosed: (t) => t._destroyed === true || (typeof t.hasRef === 'function' && !t.hasRef()),
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
        if (timer && typeof timer === 'object') {
          const record = tracker.track(timerType, timer, wrapped);
          if (record) timer[kRecord] = record;
        }
        return timer;
      },
    }[name] as any;
    wrapped[ORIGINAL_TIMER] = original;
    // Keep util.promisify(setTimeout) working; promisified timers settle by themselves.
    if (original[promisify.custom]) wrapped[promisify.custom] = original[promisify.custom];
    restores.push(replace(globalThis as any, name, wrapped));
    if ((timers as any)[name] === original) restores.push(replace(timers as any, name, wrapped));
  }
  restores.push(retrackOnRef(tracker));
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

/**
 * An unref'ed timer's record goes at the next sweep (timerType.isClosed). ref() makes it hold the process again: it is
 * recorded again, at the ref() call, the leak of the code that made it hold the process, unless its first record is
 * still there.
 */
function retrackOnRef(tracker: Tracker): Restore {
  const sample = originalTimers.setTimeout(() => {}, 0);
  const proto = Object.getPrototypeOf(sample);
  originalTimers.clearTimeout(sample);
  const original = proto.ref;
  const ref = function ref(this: any, ...args: unknown[]): unknown {
    if (
      this._destroyed !== true &&
      typeof this.hasRef === 'function' &&
      !this.hasRef() &&
      !tracker.records.has(this[kRecord])
    ) {
      const record = tracker.track(timerType, this, ref);
      if (record) this[kRecord] = record;
    }
    return original.apply(this, args);
  };
  return replace(proto, 'ref', ref);
}

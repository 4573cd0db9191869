import { createHook } from 'node:async_hooks';
import timersPromises from 'node:timers/promises';
import { originalTimers } from '../originals.js';
import type { ResourceHint } from '../kinds.js';
import { captureStack, type StackHolder } from '../stack.js';
import type { ResourceType, Tracker } from '../tracker.js';
import { replace, type Restore } from './patch.js';
import { timerType } from './timers.js';

/**
 * `node:timers/promises` (the same object as `require('timers').promises`) makes its Timeout or Immediate inside Node
 * and hands back only a promise or an async iterator: nothing public to judge (is it ref'ed, has it fired) or to stop
 * when reaping. The one public way to reach the object is an async hook's `init`, which receives the resource itself.
 * The hook is enabled only for the synchronous extent of the original call (for setInterval, of the iterator's first
 * `next()`, where Node's async generator body creates the Timeout) and disabled right after: an enabled init hook
 * turns on V8's promise hooks, and left on it would make every promise of the process pay. Enabling and disabling
 * costs a few microseconds, paid per call of these functions and only while a test file is being recorded. Tracking
 * the promise instead would say neither whether the timer is ref'ed nor how to stop it; internal/timers' lists are
 * out of reach from user land.
 */
let sink: object[] | null = null;
const hook = createHook({
  // Runs inside Node's timer constructors: it must never throw (an async hook that throws ends the process).
  init(_id, type, _trigger, resource) {
    if (sink !== null && sink.length === 0 && (type === 'Timeout' || type === 'Immediate')) sink.push(resource);
  },
});

/** Calls `fn` with the hook on; returns its result and the first Timeout or Immediate it created, if any. */
function withTimerCapture<T>(fn: () => T): [T, object | undefined] {
  const outer = sink;
  const mine: object[] = [];
  sink = mine;
  if (outer === null) hook.enable();
  try {
    return [fn(), mine[0]];
  } finally {
    sink = outer;
    if (outer === null) hook.disable();
  }
}

/** The Timeout behind a promise or an iterator is judged and stopped like any other (hasRef, clearTimeout). */
function timeoutType(api: string, hint: ResourceHint): ResourceType {
  return { ...timerType, details: (t) => ({ api, delayMs: t._idleTimeout }), hint };
}

const setTimeoutType = timeoutType('timers/promises.setTimeout', 'timers/promises');
const waitType = timeoutType('timers/promises.scheduler.wait', 'timers/promises');
const setIntervalType = timeoutType('timers/promises.setInterval', 'timers/promises.setInterval');

interface NodeImmediate {
  hasRef(): boolean;
}
/** An Immediate loses its ref once it has run or is cleared (Node sets its kRefed to null), so hasRef() says it all. */
const immediateType: ResourceType<NodeImmediate> = {
  kind: 'timer',
  isOpen: (i) => typeof i.hasRef === 'function' && i.hasRef(),
  // Asked only once it is not open: run, cleared, or made with { ref: false } (the promise API hides its ref()).
  isClosed: () => true,
  details: () => ({ api: 'timers/promises.setImmediate' }),
  close: (i) => originalTimers.clearImmediate(i as any),
  hint: 'timers/promises',
};

function recording(tracker: Tracker): boolean {
  return tracker.currentFile !== null && !tracker.disabled.has('timer');
}

/** A function whose call makes its timer at once (setTimeout, setImmediate, scheduler.wait). */
function wrapCall(name: string, original: Function, type: ResourceType, tracker: Tracker): Function {
  const wrapped = {
    [name](this: unknown, ...args: unknown[]) {
      if (!recording(tracker)) return original.apply(this, args);
      const [result, timer] = withTimerCapture(() => original.apply(this, args));
      if (timer) tracker.track(type, timer, wrapped);
      return result;
    },
  }[name]!;
  return wrapped;
}

/**
 * setInterval returns an async generator whose body (and so its Timeout) only runs at the first `next()`: the site is
 * taken at the user's setInterval() call, the Timeout at that first next() (an own `next` on the iterator, which
 * `for await` picks up). The test is the one running at the first next(), when the interval starts to tick.
 */
function wrapSetInterval(original: Function, tracker: Tracker): Function {
  const wrapped = function setInterval(this: unknown, ...args: unknown[]) {
    const iterator = original.apply(this, args);
    if (!recording(tracker) || !iterator || typeof iterator.next !== 'function') return iterator;
    let stack: StackHolder;
    try {
      stack = captureStack(tracker.stackFrames, wrapped);
    } catch {
      stack = {};
    }
    const generatorNext: Function = iterator.next;
    let started = false;
    Object.defineProperty(iterator, 'next', {
      configurable: true,
      writable: true,
      value: function next(this: unknown, ...nextArgs: unknown[]) {
        if (started || !recording(tracker)) return generatorNext.apply(this, nextArgs);
        started = true;
        const [result, timer] = withTimerCapture(() => generatorNext.apply(this, nextArgs));
        if (timer) tracker.track(setIntervalType, timer, next, stack);
        return result;
      },
    });
    return iterator;
  };
  return wrapped;
}

export function installTimerPromises(tracker: Tracker): Restore {
  const restores: Restore[] = [];
  const module = timersPromises as unknown as Record<string, any>;
  restores.push(
    replace(module, 'setTimeout', wrapCall('setTimeout', module.setTimeout, setTimeoutType, tracker) as any),
  );
  restores.push(
    replace(module, 'setImmediate', wrapCall('setImmediate', module.setImmediate, immediateType, tracker) as any),
  );
  restores.push(replace(module, 'setInterval', wrapSetInterval(module.setInterval, tracker) as any));
  // scheduler.wait() calls the module's internal setTimeout, not the export: it needs its own wrapper. On the
  // prototype (Scheduler's one instance is the export), so `this` stays the scheduler Node checks for.
  const schedulerProto = module.scheduler && Object.getPrototypeOf(module.scheduler);
  if (schedulerProto && typeof schedulerProto.wait === 'function') {
    restores.push(replace(schedulerProto, 'wait', wrapCall('wait', schedulerProto.wait, waitType, tracker) as any));
  }
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

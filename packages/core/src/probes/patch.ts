import { syncBuiltinESMExports } from 'node:module';
import type { ResourceType, Tracker } from '../tracker.js';

/** Undo functions of every patch, newest first, so uninstall restores the exact originals. */
export type Restore = () => void;

/** Inside batchPatches: syncs wait for the end of the batch. */
let batchDepth = 0;
let syncPending = false;

function syncExports(): void {
  if (batchDepth > 0) syncPending = true;
  else syncBuiltinESMExports();
}

/**
 * Runs `fn` (installing or restoring many patches) with one ESM export sync at the end instead of one per patch:
 * each sync walks every loaded builtin module, and install runs in every test file's process.
 */
export function batchPatches(fn: () => void): void {
  batchDepth++;
  try {
    fn();
  } finally {
    batchDepth--;
    if (batchDepth === 0 && syncPending) {
      syncPending = false;
      syncBuiltinESMExports();
    }
  }
}

/**
 * Replaces `obj[key]` and, for builtin modules, re-syncs ESM named exports so that
 * `import { setTimeout } from 'node:timers'` sees the wrapper as well as `require('timers').setTimeout`.
 */
export function replace<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): Restore {
  const original = obj[key];
  obj[key] = value;
  syncExports();
  return () => {
    if (obj[key] === value) {
      obj[key] = original;
      syncExports();
    }
  };
}

/** Finds a private symbol of a Node object by its description (e.g. Worker's kHandle), once per constructor. */
const symbolCache = new Map<string, symbol | null>();
export function privateSymbol(obj: object, description: string): symbol | undefined {
  const cacheKey = `${obj.constructor?.name}:${description}`;
  if (!symbolCache.has(cacheKey)) {
    symbolCache.set(cacheKey, Object.getOwnPropertySymbols(obj).find((s) => s.description === description) ?? null);
  }
  return symbolCache.get(cacheKey) ?? undefined;
}

/**
 * A handle wrap is ref'ed when it keeps the event loop alive; wraps without hasRef() count as ref'ed.
 *
 * A TLS socket's handle is a TLSWrap, which has no hasRef(): lib/_tls_wrap.js only proxies ref() and unref() to the
 * stream handle it encrypts (TCP, Pipe, or the TLSWrap of an outer TLS socket), kept in its `_parent` field (Node 20,
 * 22 and 24), so that handle answers. Were the field renamed, a TLS socket would count as ref'ed again: idle keep-alive
 * TLS sockets would be reported, as before this was read.
 */
export function handleHasRef(handle: any): boolean {
  for (let depth = 0; handle != null && depth < MAX_WRAP_DEPTH; depth++) {
    if (typeof handle.hasRef === 'function') return Boolean(handle.hasRef());
    if (handle.constructor?.name !== 'TLSWrap' || handle._parent == null) return true;
    handle = handle._parent;
  }
  return handle != null;
}

/** TLS in TLS (a tunnel through an https proxy) nests TLSWraps; no real stack is this deep. */
const MAX_WRAP_DEPTH = 8;

/**
 * Wraps a constructor so each instance is reported to `onCreate`, keeping `instanceof`, statics and the prototype.
 * `onCreate` receives the trap so it can cut the stack above the user's `new X()`.
 */
export function trackConstructor<C extends Function>(
  Original: C,
  onCreate: (instance: any, above: Function) => void,
): C {
  const handler: ProxyHandler<any> = {
    construct: function construct(target, args, newTarget): object {
      const instance: object = Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      onCreate(instance, construct);
      return instance;
    },
  };
  const proxy: C = new Proxy(Original, handler);
  return proxy;
}

/** The record of an object trackOnFirstCall saw (true when it was not recorded: a disabled kind, no file). */
export const kRecord = Symbol('leakwatch.record');

/**
 * Wraps a prototype method that marks the moment a resource becomes live (connect, listen, bind): the first call
 * records the object, later calls (a reconnect) do not make it a second resource. `afterFirst` sees a recorded object
 * once that first call returned.
 */
export function trackOnFirstCall<P extends object>(
  proto: P,
  method: keyof P & string,
  type: ResourceType<any>,
  tracker: Tracker,
  afterFirst?: (resource: any) => void,
): Restore {
  const original = proto[method] as unknown as Function;
  const wrapped = {
    [method](this: any, ...args: unknown[]) {
      if (this[kRecord]) return original.apply(this, args);
      this[kRecord] = tracker.track(type, this, wrapped) ?? true;
      const result = original.apply(this, args);
      if (afterFirst && typeof this[kRecord] === 'object') afterFirst(this);
      return result;
    },
  }[method]!;
  return replace(proto, method, wrapped as any);
}

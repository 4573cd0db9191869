import type { ResourceType, Tracker } from '../../tracker.js';
import { trackConstructor } from '../patch.js';

// A set, not a marker property: a marker on a Proxy would land on the wrapped class itself.
const wrappers = new WeakSet<Function>();

function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && wrappers.has(fn);
}

function mark<T extends Function>(fn: T): T {
  wrappers.add(fn);
  return fn;
}

/**
 * The resource becomes live when this method is first called (connect): record it then, before the driver opens
 * its socket, so the socket is known to come after its owner (fold.ts). Later calls (a reconnect) are the same
 * resource.
 */
export function trackMethod(proto: any, method: string, type: ResourceType, tracker: Tracker): void {
  const original = proto?.[method];
  if (typeof original !== 'function' || isWrapped(original)) return;
  const wrapped = mark(
    {
      [method](this: object, ...args: unknown[]) {
        tracker.trackOnce(type, this, wrapped);
        return original.apply(this, args);
      },
    }[method]!,
  );
  proto[method] = wrapped;
}

let outermost: Function | undefined;

/**
 * Replaces a factory export with a wrapper that hands each object it returns to `onResult`, with the function to cut
 * the stack above. Wrapped at two layers (redis calls @redis/client's createClient), the cut is above the outer
 * wrapper, so neither of ours sits between the user's call and the resource.
 */
function wrapFactory(exports: any, name: string, onResult: (result: object, above: Function) => void): void {
  const original = exports?.[name];
  if (typeof original !== 'function' || isWrapped(original)) return;
  const wrapped = mark(
    {
      [name](this: unknown, ...args: unknown[]) {
        const outer = outermost === undefined;
        if (outer) outermost = wrapped;
        let result: any;
        try {
          result = original.apply(this, args);
        } finally {
          if (outer) outermost = undefined;
        }
        if (result && typeof result === 'object') onResult(result, outer ? wrapped : (outermost ?? wrapped));
        return result;
      },
    }[name]!,
  );
  exports[name] = wrapped;
}

/** A factory export (createClient, createPool): what it returns is the resource, or `pick` finds it in the result. */
export function trackFactory(
  exports: any,
  name: string,
  type: ResourceType,
  tracker: Tracker,
  pick: (result: any) => object | undefined = (result) => result,
): void {
  wrapFactory(exports, name, (result, above) => {
    const resource = pick(result);
    if (resource) tracker.trackOnce(type, resource, above);
  });
}

/** A class export: each instance is the resource, recorded at `new`. Returns the wrapped class. */
export function trackClass<C extends Function>(Original: C, type: ResourceType, tracker: Tracker): C {
  if (isWrapped(Original)) return Original;
  return mark(trackConstructor(Original, (instance, above) => tracker.trackOnce(type, instance, above)));
}

/** Calls `then` with each result of a factory export, for drivers whose classes are only reachable from an instance. */
export function afterFactory(exports: any, name: string, then: (result: any) => void): void {
  wrapFactory(exports, name, (result) => then(result));
}

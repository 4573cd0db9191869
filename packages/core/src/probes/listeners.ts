import type { StackHolder } from '../stack.js';
import { captureStack } from '../stack.js';
import type { Restore } from './patch.js';

export interface AddedListener {
  event: string;
  listener: Function;
  stack: StackHolder | undefined;
}

type Snapshot = Map<string | symbol, Set<Function>>;

const ADD_METHODS = ['on', 'addListener', 'prependListener', 'once', 'prependOnceListener'] as const;

/** Listeners a test added to `process` and left there after its afterEach hooks, with the line that added each. */
export class ListenersProbe {
  private before: Snapshot | undefined;
  // By function, then event: one function added for several events (a shared no-op) has a line for each.
  private readonly sites = new WeakMap<Function, Map<string | symbol, StackHolder>>();
  private recording = false;

  constructor(private readonly stackFrames: () => number) {}

  install(target: NodeJS.Process = process): Restore {
    const originals = ADD_METHODS.map((name) => [name, (target as any)[name]] as const);
    for (const [name, original] of originals) {
      const probe = this;
      const wrapped = {
        [name](this: unknown, event: string | symbol, listener: Function) {
          if (probe.recording && typeof listener === 'function') {
            let byEvent = probe.sites.get(listener);
            if (!byEvent) probe.sites.set(listener, (byEvent = new Map()));
            if (!byEvent.has(event)) byEvent.set(event, captureStack(probe.stackFrames(), wrapped));
          }
          return original.apply(this, arguments as any);
        },
      }[name]!;
      (target as any)[name] = wrapped;
    }
    return () => {
      for (const [name, original] of originals) (target as any)[name] = original;
    };
  }

  start(target: NodeJS.Process = process): void {
    this.recording = true;
    const snapshot: Snapshot = new Map();
    for (const event of target.eventNames()) snapshot.set(event, new Set(target.rawListeners(event as string)));
    this.before = snapshot;
  }

  end(target: NodeJS.Process = process): AddedListener[] {
    this.recording = false;
    const before = this.before;
    if (!before) return [];
    this.before = undefined;
    const added: AddedListener[] = [];
    for (const event of target.eventNames()) {
      const had = before.get(event);
      for (const raw of target.rawListeners(event as string)) {
        if (had?.has(raw)) continue;
        const listener = (raw as any).listener ?? raw;
        added.push({ event: String(event), listener, stack: this.sites.get(listener)?.get(event) });
      }
    }
    return added;
  }
}

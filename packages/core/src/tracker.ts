import type { Kind } from './kinds.js';
import { captureStack, resolveStack, type ResolvedStack, type StackHolder } from './stack.js';

/** A test as the adapters identify it: a unique key and its title path (describe titles, then the test title). */
export interface TestRef {
  key: string;
  titlePath: string[];
}

/** How one family of resources is recognised: one small object per probe, shared by all its records. */
export interface ResourceType<R extends object = any> {
  kind: Kind;
  /** Still open and keeping the process alive (a ref'ed handle). */
  isOpen(resource: R): boolean;
  /** Kind-specific facts for the report; never part of a finding's id. */
  details(resource: R): Record<string, unknown>;
  /** Closes a leaked resource for `reap`; resolves once it is closed (or gave up). */
  close(resource: R): void | Promise<void>;
  /**
   * Closed for good, so its record can go. Only for resources that hold nothing yet may open later (a pool before its
   * first query): without it, a resource that is not open counts as finished.
   */
  isClosed?(resource: R): boolean;
  /** The fix, when the kind's generic hint is too vague (a pool is ended, a client is closed). */
  hint?: string;
  /** Handles this resource holds (its sockets, timers, pooled clients): folded into its finding while it is open. */
  owns?(resource: R): Iterable<unknown>;
  /** Frames from these packages mark a handle as made by this resource's driver: folded into its open connection. */
  packages?: RegExp;
}

export interface Tracked<R extends object = any> {
  type: ResourceType<R>;
  resource: R;
  stack: StackHolder;
  /** The test running when the resource was made; null in hooks, describe bodies and module scope. */
  test: TestRef | null;
  /** More than one test was running when the resource was made, so it cannot be pinned on one. */
  concurrent: boolean;
  /** The test file that was running, so a later file in the same process never inherits the blame. */
  file: string | null;
  /** The parsed stack, once something needed it. */
  resolved?: ResolvedStack;
  /** Handles this resource owns that were open at judgement, reported as part of its finding (see fold.ts). */
  folded?: Tracked[];
}

const SWEEP_MIN = 1024;

/** Stacks are parsed (and source-mapped) only for resources still open at judgement, and once. */
export function resolvedStack(record: Tracked): ResolvedStack {
  return (record.resolved ??= resolveStack(record.stack));
}

/**
 * The live set of resources created since leakwatch was installed in this process, with their creation context.
 * Resources that already existed (the runner's RPC channel, stdio) were never recorded, so they can't be blamed.
 */
export class Tracker {
  readonly records = new Set<Tracked>();
  readonly activeTests = new Map<string, TestRef>();
  currentFile: string | null = null;
  /**
   * Set by an adapter when the file runs tests concurrently in a way the start/end events cannot bracket (Jest starts
   * every `test.concurrent` body up front): nothing made from then on can be pinned on one test.
   */
  concurrentFile = false;
  stackFrames: number;
  /** Kinds whose policy is 'off' are not recorded at all, so they cost nothing. */
  readonly disabled = new Set<Kind>();
  private readonly byResource = new WeakMap<object, Tracked>();
  private sweepAt = SWEEP_MIN;

  constructor(stackFrames: number) {
    this.stackFrames = stackFrames;
  }

  /** `stack`: one already taken at the user's call, for resources that only exist later (an fs.open callback). */
  track<R extends object>(type: ResourceType<R>, resource: R, above: Function, stack?: StackHolder): Tracked<R> | undefined {
    if (this.disabled.has(type.kind) || this.currentFile === null) return undefined;
    let test: TestRef | null = null;
    let concurrent = false;
    if (this.concurrentFile || this.activeTests.size > 1) concurrent = true;
    else if (this.activeTests.size === 1) test = this.activeTests.values().next().value!;
    if (!stack) {
      try {
        stack = captureStack(this.stackFrames, above);
      } catch {
        // A hostile Error.prepareStackTrace or a frozen Error must not break the user's call: record without a site.
        stack = {};
      }
    }
    const record: Tracked<R> = { type, resource, stack, test, concurrent, file: this.currentFile };
    this.records.add(record);
    // Test ends sweep closed records; a process with no test ends (the runner's main process) or a test that makes
    // timers by the thousand needs a sweep here too, amortised, or fired timers would pile up with their stacks.
    if (this.records.size >= this.sweepAt) {
      this.sweep();
      this.sweepAt = Math.max(SWEEP_MIN, this.records.size * 2);
    }
    return record;
  }

  /**
   * For resources that may be announced more than once (a driver's connect() after a reconnect, a factory wrapped at
   * two layers, a user's track() of an object a probe already saw): the first announcement wins.
   */
  trackOnce<R extends object>(type: ResourceType<R>, resource: R, above: Function, stack?: StackHolder): Tracked<R> | undefined {
    if (this.byResource.has(resource)) return undefined;
    const record = this.track(type, resource, above, stack);
    if (record) this.byResource.set(resource, record);
    return record;
  }

  /** The record trackOnce made for `resource`, while it is still live. */
  recordOf(resource: object): Tracked | undefined {
    const record = this.byResource.get(resource);
    return record && this.records.has(record) ? record : undefined;
  }

  /** The user's untrack(): no longer reported, and a later track() of the same object records it afresh. */
  untrack(resource: object): boolean {
    const record = this.recordOf(resource);
    this.byResource.delete(resource);
    if (record) this.records.delete(record);
    return record !== undefined;
  }

  forget(record: Tracked | undefined): void {
    if (record) this.records.delete(record);
  }

  /** Drops records of closed resources so nothing is retained for them (no stacks, no objects). */
  sweep(): void {
    for (const record of this.records) {
      if (!safeIsOpen(record) && isFinished(record)) this.records.delete(record);
    }
  }

  /** The file is judged: records that never opened (a pool never queried) go too, so nothing outlives its file. */
  dropFile(file: string): void {
    for (const record of this.records) if (record.file === file) this.records.delete(record);
  }

  openRecords(file: string): Tracked[] {
    const open: Tracked[] = [];
    for (const record of this.records) {
      if (record.file !== file) continue;
      if (safeIsOpen(record)) open.push(record);
      else if (isFinished(record)) this.records.delete(record);
    }
    return open;
  }
}

/** Called for records that are not open: whether they may still open (a pool before its first query). */
function isFinished(record: Tracked): boolean {
  if (!record.type.isClosed) return true;
  try {
    return record.type.isClosed(record.resource);
  } catch {
    return true;
  }
}

/** isOpen that never throws: a probe that can no longer read its resource counts it as closed. */
export function safeIsOpen(record: Tracked): boolean {
  try {
    return record.type.isOpen(record.resource);
  } catch {
    // A probe that can no longer read its resource must not fail the user's run; an unreadable resource is not reported.
    return false;
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kind, ResourceHint } from './kinds.js';
import { captureStack, NO_USER_FRAME, resolveStack, type ResolvedStack, type StackHolder } from './stack.js';

/** A test as the adapters identify it: a unique key and its title path (describe titles, then the test title). */
export interface TestRef {
  key: string;
  titlePath: string[];
}

/**
 * Whose code is running: the test (or, with `test: null`, the hook or describe body) that the adapter entered, carried
 * by Node through every async continuation it starts (timers, callbacks, promises), so a resource made by a test's
 * un-awaited work is still that test's when it appears while another test, or another file, runs.
 */
export interface Scope {
  readonly file: string;
  readonly test: TestRef | null;
}

/** How one family of resources is recognised: one small object per probe, shared by all its records. */
/** What the user asked reports to show of a resource (options.ts), for the details that depend on it. */
export interface DetailsView {
  /** A child's arguments: only their count ('hidden'), or listed with secrets masked ('masked'). */
  childArguments: 'hidden' | 'masked';
}

export interface ResourceType<R extends object = any> {
  kind: Kind;
  /** Still open and keeping the process alive (a ref'ed handle). */
  isOpen(resource: R): boolean;
  /**
   * Kind-specific facts for the report; never part of a finding's id. Reports are shared beyond the test's authors:
   * user data in them (arguments, connection strings, names) goes through redact.ts here, at the source.
   */
  details(resource: R, view: DetailsView): Record<string, unknown>;
  /** Closes a leaked resource for `reap`; resolves once it is closed (or gave up). */
  close(resource: R): void | Promise<void>;
  /**
   * Closed for good, so its record can go before its file ends (a fired timer, a destroyed socket). Not open is not
   * closed: a server whose listen() is still resolving its host, a socket idle in a keep-alive pool, a database still
   * opening all open later. Without it, the record stays until its file is judged.
   */
  isClosed?(resource: R): boolean;
  /**
   * The fix, when the kind's generic hint is too vague (a pool is ended, a client is closed): an entry of
   * RESOURCE_HINTS, or the text a user gave track().
   */
  hint?: ResourceHint | (string & {});
  /** Handles this resource holds (its sockets, timers, pooled clients): folded into its finding while it is open. */
  owns?(resource: R): Iterable<unknown>;
  /** Frames from these packages mark a handle as made by this resource's driver: folded into its open connection. */
  packages?: RegExp;
}

export interface Tracked<R extends object = any> {
  type: ResourceType<R>;
  resource: R;
  stack: StackHolder;
  /** The test whose code made the resource; null in hooks, describe bodies and module scope. */
  test: TestRef | null;
  /** Made outside any scope while several tests were running, so it cannot be pinned on one. */
  concurrent: boolean;
  /** The test file whose code made it, so a later file in the same process never inherits the blame. */
  file: string | null;
  /** Already reported by a strict-scope test judgement: reaped and forgotten with its file, never reported twice. */
  reported?: boolean;
  /**
   * Made by an earlier attempt of a test the runner retried: judged with the file if still open then, never with the
   * retry, which is judged on what it makes itself.
   */
  earlierAttempt?: boolean;
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
  /** Tests between their start and end; only a fallback for code that runs outside any scope (module scope, runner callbacks). */
  readonly activeTests = new Map<string, TestRef>();
  currentFile: string | null = null;
  /**
   * Concurrent test bodies still running that the start/end events cannot bracket (Jest 29 starts every
   * `test.concurrent` body up front): what is made outside any scope meanwhile cannot be pinned on one test.
   */
  concurrentBodies = 0;
  /** The adapters enter a scope around each test body and hook; Node carries it through their async work. */
  readonly scopes = new AsyncLocalStorage<Scope>();
  stackFrames: number;
  /** Kinds whose policy is 'off' are not recorded at all, so they cost nothing. */
  readonly disabled = new Set<Kind>();
  private readonly byResource = new WeakMap<object, Tracked>();
  private sweepAt = SWEEP_MIN;

  constructor(stackFrames: number) {
    this.stackFrames = stackFrames;
  }

  /** `stack`: one already taken at the user's call, for resources that only exist later (an fs.open callback). */
  track<R extends object>(
    type: ResourceType<R>,
    resource: R,
    above: Function,
    stack?: StackHolder,
  ): Tracked<R> | undefined {
    if (this.disabled.has(type.kind)) return undefined;
    const origin = this.origin();
    if (origin.file === null) return undefined;
    const holder = stack ?? this.capture(above);
    if (holder === NO_USER_FRAME) return undefined;
    const record: Tracked<R> = { type, resource, stack: holder, ...origin };
    this.records.add(record);
    // A process with no test ends (the runner's main process) or a test that makes timers by the thousand needs a
    // sweep here, amortised, or fired timers would pile up with their stacks.
    if (this.records.size >= this.sweepAt) {
      this.sweep();
      this.sweepAt = Math.max(SWEEP_MIN, this.records.size * 2);
    }
    return record;
  }

  /**
   * The resource changes hands: a keep-alive socket taken from its agent's pool by a new request is now that request's
   * leak if it never ends, made at the caller's line, not the earlier request's that opened it.
   */
  reattribute(record: Tracked, above: Function): void {
    const origin = this.origin();
    if (origin.file === null || !this.records.has(record)) return;
    Object.assign(record, origin, {
      stack: this.capture(above),
      resolved: undefined,
      reported: false,
      earlierAttempt: false,
    });
  }

  /** Whose code is running: its scope, else (module scope, runner callbacks) the one running test, if any. */
  private origin(): Pick<Tracked, 'file' | 'test' | 'concurrent'> {
    const scope = this.scopes.getStore();
    if (scope !== undefined) return { file: scope.file, test: scope.test, concurrent: false };
    const ambiguous = this.concurrentBodies > 0 || this.activeTests.size > 1;
    const test = !ambiguous && this.activeTests.size === 1 ? this.activeTests.values().next().value! : null;
    return { file: this.currentFile, test, concurrent: ambiguous };
  }

  private capture(above: Function): StackHolder {
    try {
      return captureStack(this.stackFrames, above);
    } catch {
      // A hostile Error.prepareStackTrace or a frozen Error must not break the user's call: record without a site.
      return {};
    }
  }

  /**
   * For resources that may be announced more than once (a driver's connect() after a reconnect, a factory wrapped at
   * two layers, a user's track() of an object a probe already saw): the first announcement wins.
   */
  trackOnce<R extends object>(
    type: ResourceType<R>,
    resource: R,
    above: Function,
    stack?: StackHolder,
  ): Tracked<R> | undefined {
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

  /** The test whose code is running now, by scope first: where a test's inline allow() applies. */
  runningTest(): TestRef | null {
    const scope = this.scopes.getStore();
    if (scope !== undefined) return scope.test;
    return this.activeTests.size === 1 ? this.activeTests.values().next().value! : null;
  }

  /** Drops records of resources closed for good, so nothing is retained for them (no stacks, no objects). */
  sweep(): void {
    for (const record of this.records) {
      if (!safeIsOpen(record) && isClosed(record)) this.records.delete(record);
    }
  }

  /** The file is judged: records that never opened (a pool never queried) go too, so nothing outlives its file. */
  dropFile(file: string): void {
    for (const record of this.records) if (record.file === file) this.records.delete(record);
  }

  /** Open records made by the code of any of `files`. */
  openRecords(files: string | ReadonlySet<string>): Tracked[] {
    const open: Tracked[] = [];
    for (const record of this.records) {
      if (typeof files === 'string' ? record.file !== files : !files.has(record.file!)) continue;
      if (safeIsOpen(record)) open.push(record);
      else if (isClosed(record)) this.records.delete(record);
    }
    return open;
  }
}

/** The tracker's file key for resources the runner's main process creates outside of test files. */
export const MAIN_PROCESS = '<main process>';

/**
 * For a record that is not open: whether it can go, its resource closed for good (never because it is not open at
 * this instant).
 */
function isClosed(record: Tracked): boolean {
  // The main process is never judged as a file, so nothing would bound a record kept "until its file ends" there (a
  // pool's MessagePorts over a long watch session): a resource with no closed state goes once it is not open.
  if (!record.type.isClosed) return record.file === MAIN_PROCESS && !safeIsOpen(record);
  try {
    return record.type.isClosed(record.resource);
  } catch {
    // A probe that can no longer read its resource must not keep it forever, nor fail the user's run.
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

import { Detector } from './detector.js';
import { KINDS, TEST_SCOPED_KINDS, type Kind } from './kinds.js';
import { redactText } from './redact.js';
import type { ResourceType } from './tracker.js';

/** The kinds a tracked resource can be reported as: the per-test measurements (heap, globals, listeners) are not resources. */
export type TrackKind = Exclude<Kind, 'heap' | 'global' | 'listener'>;

export interface TrackOptions<R extends object = object> {
  /** How the resource is reported and which policy applies to it. Default: 'other'. */
  kind?: TrackKind;
  /** What it is, shown in reports: "Playwright browser", "queue consumer". Default: the resource's class name. */
  name?: string;
  /** Whether it still holds something. Default: open until untrack(resource). */
  isOpen?: (resource: R) => boolean;
  /** Closes it when `reap` is on; may return a promise. Default: nothing is closed. */
  close?: (resource: R) => unknown;
  /** How to fix a leak of it, shown in the report. Default: the kind's hint. */
  hint?: string;
}

const TRACK_KINDS = KINDS.filter((k) => !TEST_SCOPED_KINDS.has(k));
const OPTION_KEYS = new Set(['kind', 'name', 'isOpen', 'close', 'hint']);
const untracked = new WeakSet<object>();

function fail(key: string, problem: string, fix: string): never {
  throw new TypeError(`leakwatch: track(resource, { ${key} }): ${problem}. Fix: ${fix}.`);
}

function validate(resource: unknown, options: unknown): asserts options is TrackOptions<any> {
  if (resource === null || (typeof resource !== 'object' && typeof resource !== 'function')) {
    throw new TypeError(
      `leakwatch: track(resource): expected an object, got ${resource === null ? 'null' : typeof resource}. Fix: pass the client or handle itself.`,
    );
  }
  if (options === null || typeof options !== 'object')
    fail('options', `expected an object, got ${typeof options}`, 'pass { kind, name, isOpen, close }');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.has(key)) fail(key, `unknown option "${key}"`, `use only ${[...OPTION_KEYS].join(', ')}`);
  }
  if (o.kind !== undefined && !TRACK_KINDS.includes(o.kind as TrackKind)) {
    fail('kind', `${JSON.stringify(o.kind)} is not a resource kind`, `use one of ${TRACK_KINDS.join(', ')}`);
  }
  if (o.name !== undefined && typeof o.name !== 'string')
    fail('name', `expected a string, got ${typeof o.name}`, 'give it a short label');
  if (o.hint !== undefined && typeof o.hint !== 'string')
    fail('hint', `expected a string, got ${typeof o.hint}`, 'say how to close it');
  for (const key of ['isOpen', 'close'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function')
      fail(key, `expected a function, got ${typeof o[key]}`, `pass ${key}: (resource) => ...`);
  }
}

/**
 * Registers a resource leakwatch cannot see by itself (an SDK client, a queue consumer, a browser) so that it gets the
 * same attribution, policy, reports and reap as the built-in kinds. The site is the caller of track(). Returns the
 * resource. Outside a leakwatch run it records nothing, so it is safe to leave in shared test helpers.
 */
export function track<R extends object>(resource: R, options: TrackOptions<R> = {}): R {
  validate(resource, options);
  const { kind = 'other', isOpen, close } = options;
  // User text in shared reports: a name or hint that embeds a URL or token is masked like any other detail.
  const name = redactDetailText(options.name ?? (resource as any)?.constructor?.name);
  const hint = redactDetailText(options.hint);
  untracked.delete(resource);
  const type: ResourceType<R> = {
    kind,
    isOpen: (r) => !untracked.has(r) && (isOpen ? isOpen(r) === true : true),
    details: () => ({ name }),
    close: async (r) => {
      if (close) await close(r);
    },
    hint,
  };
  Detector.shared().tracker.trackOnce(type, resource, track);
  return resource;
}

const redactDetailText = (text: unknown): string | undefined =>
  typeof text === 'string' ? redactText(text) : undefined;

/** The resource is closed or handed over: it is no longer reported. Returns whether leakwatch was tracking it. */
export function untrack(resource: object): boolean {
  untracked.add(resource);
  return Detector.shared().tracker.untrack(resource);
}

/**
 * The one place findings are decided: open resources and per-test measurements in, findings out. Pure: no I/O, no
 * clock, no live resource (evidence.ts reads those first), so test, file and main-process judgements all go through
 * it and it is unit-tested on its own.
 */
import type { BaselineEntry } from './baseline.js';
import { matchBaseline } from './baseline.js';
import { compareFindings, findingId, type Finding, type RawFinding, type Site } from './finding.js';
import { isIgnored } from './ignores.js';
import { KIND_INFO, MESSAGES, RESOURCE_HINTS, type Judgement, type Kind, type ResourceHint } from './kinds.js';
import type { ResolvedOptions } from './options.js';

/** One resource still open at judgement, as evidence.ts read it. */
export interface OpenResource {
  kind: Kind;
  /** The title path of the test whose code made it; null for hooks, describe bodies, module scope. */
  test: string[] | null;
  /** Made outside any scope while several tests ran: the file's, not one test's. */
  concurrent: boolean;
  site: Site | null;
  stack: string[];
  details: Record<string, unknown>;
  hint?: ResourceHint | (string & {});
}

/** What one test left behind, measured between its start and its end. */
export interface Measurement {
  kind: Extract<Kind, 'heap' | 'global' | 'listener'>;
  test: string[] | null;
  /** Global name or event name: part of the id. */
  name: string;
  site: Site | null;
  stack?: string[];
  bytes?: number;
  details: Record<string, unknown>;
}

/** Inline opt-outs: allowFile(kind) for the whole file, allow(kind) per test (keyed by its title path). */
export interface InlineAllows {
  file: ReadonlyMap<Kind, string>;
  tests: ReadonlyMap<string, ReadonlyMap<Kind, string>>;
}

export interface JudgeInput {
  /** The test file, relative to the root. */
  file: string;
  when: Judgement;
  resources?: readonly OpenResource[];
  measurements?: readonly Measurement[];
  policy: Pick<ResolvedOptions, 'kinds' | 'ignore'>;
  allows?: InlineAllows;
  /** Leaks of each kind this file already had judged (a kind's `allow` is per file). */
  counted?: Partial<Record<Kind, number>>;
  /** Baseline entries no earlier judgement of the run matched. */
  baseline?: readonly BaselineEntry[];
}

export interface Verdict {
  findings: Finding[];
  /** `counted` with this judgement's leaks added. */
  counted: Partial<Record<Kind, number>>;
  /** The baseline entries this judgement matched (each matches one finding of the run at most). */
  matched: BaselineEntry[];
}

/** The key of a test in InlineAllows.tests. */
export const testKey = (titlePath: readonly string[]): string => titlePath.join('\u203a');

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function summarize(details: Record<string, unknown>): string {
  const parts = Object.entries(details)
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function resourceMessage(f: RawFinding, when: Judgement, hint: string): string {
  const info = KIND_INFO[f.kind];
  const many = f.count > 1 ? `${f.count} ${info.plural}` : `${info.article} ${info.label}`;
  const where = f.details?.concurrent
    ? MESSAGES.concurrent
    : f.test
      ? MESSAGES.inTest(f.test.join(' > '))
      : MESSAGES.outsideTests;
  const verb = f.count > 1 ? 'are' : 'is';
  return `${many} created ${where} ${verb} still open after ${MESSAGES.after[when]}${summarize(f.details ?? {})}. Fix: ${hint}.`;
}

/**
 * Resources grouped by kind, test and creation site: 5,000 timers from one line are one finding with count 5000.
 * A strict-scope test judgement ('test') makes test-scoped findings; the others file-scoped ones.
 */
function groupResources(file: string, when: Judgement, resources: readonly OpenResource[]): RawFinding[] {
  const groups = new Map<string, RawFinding>();
  const hints = new Map<string, string>();
  for (const r of resources) {
    const test = r.concurrent ? null : r.test;
    const id = findingId(r.kind, file, test, r.site);
    const existing = groups.get(id);
    if (existing) {
      existing.count += 1;
      continue;
    }
    const details = { ...r.details };
    if (r.concurrent) details.concurrent = true;
    if (r.hint) hints.set(id, RESOURCE_HINTS[r.hint as ResourceHint] ?? r.hint);
    groups.set(id, {
      id,
      kind: r.kind,
      scope: when === 'test' ? 'test' : 'file',
      file,
      test,
      site: r.site,
      message: '',
      count: 1,
      stack: r.stack,
      details,
    });
  }
  for (const f of groups.values()) f.message = resourceMessage(f, when, hints.get(f.id) ?? KIND_INFO[f.kind].hint);
  return [...groups.values()];
}

/** Per-test measurements as test-scoped findings, one per kind, test and name. */
function groupMeasurements(file: string, measurements: readonly Measurement[]): RawFinding[] {
  const groups = new Map<string, RawFinding>();
  for (const m of measurements) {
    const id = findingId(m.kind, file, m.test, m.site, m.name);
    const existing = groups.get(id);
    if (existing) {
      existing.count += 1;
      continue;
    }
    const text = MESSAGES.measured[m.kind].replace('{name}', m.name).replace('{bytes}', formatBytes(m.bytes ?? 0));
    const finding: RawFinding = {
      id,
      kind: m.kind,
      scope: 'test',
      file,
      test: m.test,
      site: m.site,
      message: `${text}. Fix: ${KIND_INFO[m.kind].hint}.`,
      count: 1,
      details: m.details,
    };
    if (m.bytes !== undefined) finding.bytes = m.bytes;
    if (m.stack) finding.stack = m.stack;
    groups.set(id, finding);
  }
  return [...groups.values()];
}

function allowedInline(f: RawFinding, allows: InlineAllows | undefined): boolean {
  if (!allows) return false;
  return allows.file.has(f.kind) || (f.test !== null && allows.tests.get(testKey(f.test))?.has(f.kind) === true);
}

/**
 * Group, drop what ignore rules and inline allows drop, give each finding its kind's action (dropping 'off' and what
 * the file's allowance still covers), then mark what the baseline knows.
 */
export function judge(input: JudgeInput): Verdict {
  const raw = [
    ...groupResources(input.file, input.when, input.resources ?? []),
    ...groupMeasurements(input.file, input.measurements ?? []),
  ].filter((f) => !allowedInline(f, input.allows) && !isIgnored(f, input.policy.ignore));

  // A kind's allowance covers that many leaks in one file, however many judgements they come in: once the file is
  // over it, the leaks judged from then on are reported (all of them, when judged together).
  const counted = { ...input.counted };
  const added = new Map<Kind, number>();
  for (const f of raw) added.set(f.kind, (added.get(f.kind) ?? 0) + f.count);
  for (const [kind, n] of added) counted[kind] = (counted[kind] ?? 0) + n;

  const findings: Finding[] = [];
  for (const f of raw) {
    const policy = input.policy.kinds[f.kind];
    if (policy.action === 'off' || (counted[f.kind] ?? 0) <= policy.allow) continue;
    findings.push({ ...f, action: policy.action });
  }

  let matched: BaselineEntry[] = [];
  if (input.baseline?.length && findings.length) {
    const match = matchBaseline(findings, { version: 1, entries: [...input.baseline] });
    for (const f of findings) if (match.baselined.has(f.id)) f.baselined = true;
    matched = match.matched;
  }
  return { findings: findings.sort(compareFindings), counted, matched };
}

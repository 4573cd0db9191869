import { KIND_INFO, type Kind } from './kinds.js';
import { findingId, type RawFinding, type Site } from './finding.js';
import { describeFolded } from './fold.js';
import { formatFrame, relativePath, resolveStack, type StackHolder } from './stack.js';
import { resolvedStack, type Tracked } from './tracker.js';

function toSite(root: string, frame: { file: string; line: number; column: number } | null): Site | null {
  return frame ? { file: relativePath(root, frame.file), line: frame.line, column: frame.column } : null;
}

function where(test: string[] | null, concurrent: boolean): string {
  if (concurrent) return 'while concurrent tests were running (attributed to the file)';
  return test ? `in test "${test.join(' > ')}"` : 'outside any test (hook, describe body or module scope)';
}

function summarize(details: Record<string, unknown>): string {
  const parts = Object.entries(details)
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * Groups still-open resources of one file by kind, test and creation site: 5,000 timers from one line are one
 * finding with count 5000. Resources whose stack holds only the runner's own frames are dropped as runner-owned.
 */
/**
 * `when`: 'file' after a file's afterAll hooks, 'test' after a test's own hooks (strict scope), 'run' after the whole
 * run, for what the runner's main process still holds (globalSetup, a reporter, the config).
 */
export function attributeResources(
  root: string,
  file: string,
  records: Tracked[],
  when: 'file' | 'test' | 'run' = 'file',
): RawFinding[] {
  const scope = when === 'test' ? 'test' : 'file';
  const groups = new Map<string, RawFinding>();
  const hints = new Map<string, string>();
  for (const record of records) {
    const resolved = resolvedStack(record);
    if (resolved.runnerOwned) continue;
    const kind = record.type.kind;
    const test = record.concurrent ? null : (record.test?.titlePath ?? null);
    const site = toSite(root, resolved.site);
    const id = findingId(kind, file, test, site);
    const existing = groups.get(id);
    if (existing) {
      existing.count += 1;
      continue;
    }
    let details: Record<string, unknown> = {};
    try {
      details = record.type.details(record.resource);
    } catch {
      details = {};
    }
    const holds = describeFolded(record);
    if (holds) details.holds = holds;
    if (record.concurrent) details.concurrent = true;
    if (record.type.hint) hints.set(id, record.type.hint);
    groups.set(id, {
      id,
      kind,
      scope,
      file,
      test,
      site,
      message: '',
      count: 1,
      stack: resolved.frames.map((f) => formatFrame(root, f)),
      details,
    });
  }
  for (const finding of groups.values()) {
    const info = KIND_INFO[finding.kind];
    const many = finding.count > 1 ? `${finding.count} ${info.plural}` : `${info.article} ${info.label}`;
    const verb = finding.count > 1 ? 'are' : 'is';
    const after =
      when === 'test'
        ? "the test's afterEach hooks"
        : when === 'run'
          ? 'the test run finished, and keeps the process alive'
          : "the file's afterAll hooks";
    finding.message = `${many} created ${where(finding.test, finding.details?.concurrent === true)} ${verb} still open after ${after}${summarize(
      finding.details ?? {},
    )}. Fix: ${hints.get(finding.id) ?? info.hint}.`;
  }
  return [...groups.values()];
}

export interface Measurement {
  kind: Extract<Kind, 'heap' | 'global' | 'listener'>;
  /** Global name or event name: part of the id. */
  name: string;
  stack?: StackHolder;
  bytes?: number;
  details: Record<string, unknown>;
}

function describeMeasurement(m: Measurement): string {
  switch (m.kind) {
    case 'heap':
      return `The heap grew by ${formatBytes(m.bytes ?? 0)} during the test, measured after a forced GC`;
    case 'global':
      return `The test added the global "${m.name}" and did not remove it`;
    case 'listener':
      return `The test added a process "${m.name}" listener and did not remove it`;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Per-test measurements (heap, globals, listeners) as test-scoped findings, one per name. */
export function attributeMeasurements(
  root: string,
  file: string,
  test: string[] | null,
  measurements: Measurement[],
): RawFinding[] {
  const groups = new Map<string, RawFinding>();
  for (const m of measurements) {
    const resolved = m.stack ? resolveStack(m.stack) : undefined;
    const site = toSite(root, resolved?.site ?? null);
    const id = findingId(m.kind, file, test, site, m.name);
    const existing = groups.get(id);
    if (existing) {
      existing.count += 1;
      continue;
    }
    const finding: RawFinding = {
      id,
      kind: m.kind,
      scope: 'test',
      file,
      test,
      site,
      message: `${describeMeasurement(m)}. Fix: ${KIND_INFO[m.kind].hint}.`,
      count: 1,
      details: m.details,
    };
    if (m.bytes !== undefined) finding.bytes = m.bytes;
    if (resolved) finding.stack = resolved.frames.map((f) => formatFrame(root, f));
    groups.set(id, finding);
  }
  return [...groups.values()];
}

/**
 * From live records to the plain evidence judge.ts decides on: creation stacks parsed and source-mapped, each
 * resource asked for its details. The only step of judging that touches resources and files.
 */
import type { Site } from './finding.js';
import { describeFolded } from './fold.js';
import type { Measurement, OpenResource } from './judge.js';
import { formatFrame, relativePath, resolveStack, type Frame, type StackHolder } from './stack.js';
import { resolvedStack, type DetailsView, type Tracked } from './tracker.js';

function toSite(root: string, frame: Frame | null): Site | null {
  return frame ? { file: relativePath(root, frame.file), line: frame.line, column: frame.column } : null;
}

/** Open records as evidence; those whose stack holds only the runner's own frames are the runner's, and dropped. */
export function openResources(root: string, records: readonly Tracked[], view: DetailsView): OpenResource[] {
  const resources: OpenResource[] = [];
  for (const record of records) {
    const resolved = resolvedStack(record);
    if (resolved.runnerOwned) continue;
    let details: Record<string, unknown>;
    try {
      details = record.type.details(record.resource, view);
    } catch {
      // A resource whose internals changed shape: reported without its details rather than not at all.
      details = {};
    }
    const holds = describeFolded(record);
    if (holds) details.holds = holds;
    resources.push({
      kind: record.type.kind,
      test: record.concurrent ? null : (record.test?.titlePath ?? null),
      concurrent: record.concurrent,
      site: toSite(root, resolved.site),
      stack: resolved.frames.map((f) => formatFrame(root, f)),
      details,
      hint: record.type.hint,
    });
  }
  return resources;
}

/** A measurement's site and stack, from the stack captured where it was made (a listener's addition). */
export function measurement(
  root: string,
  m: Omit<Measurement, 'site' | 'stack'> & { stackHolder?: StackHolder },
): Measurement {
  const { stackHolder, ...rest } = m;
  if (!stackHolder) return { ...rest, site: null };
  const resolved = resolveStack(stackHolder);
  return { ...rest, site: toSite(root, resolved.site), stack: resolved.frames.map((f) => formatFrame(root, f)) };
}

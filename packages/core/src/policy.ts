import type { Finding, RawFinding } from './finding.js';
import type { Kind } from './kinds.js';
import { isIgnored } from './ignores.js';
import type { ResolvedOptions } from './options.js';

/**
 * Drops findings matched by an ignore rule (shipped defaults and the user's), then gives each finding its action from the per-kind policy and drops what is 'off'. A kind's `allow` tolerates that
 * many leaked resources of the kind in one test file: only a file over its allowance reports them.
 */
export function applyPolicy(findings: RawFinding[], options: ResolvedOptions): Finding[] {
  findings = findings.filter((f) => !isIgnored(f, options.ignore));
  const perKind = new Map<Kind, number>();
  for (const f of findings) perKind.set(f.kind, (perKind.get(f.kind) ?? 0) + f.count);
  const judged: Finding[] = [];
  for (const f of findings) {
    const policy = options.kinds[f.kind];
    if (policy.action === 'off') continue;
    if ((perKind.get(f.kind) ?? 0) <= policy.allow) continue;
    judged.push({ ...f, action: policy.action });
  }
  return judged;
}

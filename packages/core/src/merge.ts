/**
 * `leakwatch merge`: the JSON reports of a sharded run's shards (or of runs over disjoint files) united into the report
 * the run would have written on one machine.
 */
import { compareFindings, type Finding } from './finding.js';
import { LeakwatchConfigError } from './options.js';
import type { BaselineEntry } from './baseline.js';
import { buildReport, type FileInfo, type LeakReport } from './report/model.js';

export interface NamedReport {
  /** How the user named it (its path), for errors. */
  name: string;
  report: LeakReport;
}

const label = (r: LeakReport) => (r.shard ? `shard ${r.shard.index}/${r.shard.count}` : 'unsharded');

/** Each shard exactly once, all of one sharded run; or only unsharded reports. Throws naming the fix. */
function checkShards(inputs: readonly NamedReport[]): void {
  const sharded = inputs.filter((i) => i.report.shard);
  if (sharded.length === 0) return;
  if (sharded.length < inputs.length) {
    const plain = inputs.find((i) => !i.report.shard)!;
    throw new LeakwatchConfigError(
      `leakwatch merge: ${plain.name} is not a shard's report, ${sharded[0]!.name} is (${label(sharded[0]!.report)}). Fix: merge the reports of one sharded run only.`,
    );
  }
  const count = sharded[0]!.report.shard!.count;
  const byIndex = new Map<number, string>();
  for (const { name, report } of sharded) {
    const shard = report.shard!;
    if (shard.count !== count)
      throw new LeakwatchConfigError(
        `leakwatch merge: ${name} is ${label(report)}, ${sharded[0]!.name} is ${label(sharded[0]!.report)}. Fix: merge the reports of one sharded run only.`,
      );
    const twice = byIndex.get(shard.index);
    if (twice !== undefined)
      throw new LeakwatchConfigError(
        `leakwatch merge: shard ${shard.index}/${count} is given twice (${twice} and ${name}). Fix: pass each shard's report once.`,
      );
    byIndex.set(shard.index, name);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new LeakwatchConfigError(
      `leakwatch merge: the report of shard ${missing.map((i) => `${i}/${count}`).join(', ')} is missing. Fix: pass the report of every shard (each shard's job must upload its JSON report, also when it fails).`,
    );
}

/**
 * One report for the whole run: files and tests united (a file in two reports is an error: a shard given twice, or
 * runs that overlap), findings united (the main process's, which every shard can report alike, once), summary counted
 * again, errors kept, the baseline's stale entries those each shard found among its own files (`leakwatch
 * baseline --check` on the merged report judges the whole baseline). The time span covers every shard.
 */
export function mergeReports(inputs: readonly NamedReport[]): LeakReport {
  if (inputs.length === 0)
    throw new LeakwatchConfigError('leakwatch merge: no report given. Fix: pass the JSON reports to merge.');
  const first = inputs[0]!;
  for (const { name, report } of inputs) {
    if (report.runner !== first.report.runner)
      throw new LeakwatchConfigError(
        `leakwatch merge: ${name} is a ${report.runner} report, ${first.name} a ${first.report.runner} one. Fix: merge each runner's reports separately.`,
      );
  }
  checkShards(inputs);

  const files: FileInfo[] = [];
  const fileOwner = new Map<string, string>();
  const findings = new Map<string, Finding>();
  const errors: string[] = [];
  const interrupted: string[] = [];
  const stale = new Map<string, BaselineEntry>();
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const { name, report } of inputs) {
    for (const file of report.files) {
      const owner = fileOwner.get(file.file);
      if (owner !== undefined)
        throw new LeakwatchConfigError(
          `leakwatch merge: ${file.file} is in ${owner} and in ${name}. Fix: pass each shard's report once; runs merged without shards must cover different files.`,
        );
      fileOwner.set(file.file, name);
      files.push(file);
    }
    for (const f of report.findings) {
      const seen = findings.get(f.id);
      if (!seen || (f.count ?? 1) > (seen.count ?? 1)) findings.set(f.id, f);
    }
    const where = report.shard ? `${label(report)}: ` : inputs.length > 1 ? `${name}: ` : '';
    for (const e of report.errors) errors.push(`${where}${e}`);
    if (report.summary.complete === false) interrupted.push(`${where}${report.interrupted ?? 'interrupted'}`);
    for (const e of report.baseline?.stale ?? []) stale.set(e.id, e);
    const startedAt = Date.parse(report.startedAt);
    if (Number.isFinite(startedAt)) {
      start = Math.min(start, startedAt);
      end = Math.max(end, startedAt + (report.durationMs ?? 0));
    }
  }
  const policies = new Set(inputs.map((i) => JSON.stringify(i.report.policy ?? null)));
  if (policies.size > 1)
    errors.push(
      `the merged reports ran with different leakwatch options; the merged report shows ${first.name}'s (run every shard with the same configuration)`,
    );

  const merged = buildReport({
    runner: first.report.runner,
    runnerVersion: first.report.runnerVersion,
    startedAt: new Date(Number.isFinite(start) ? start : Date.now()),
    durationMs: Number.isFinite(end) ? end - start : 0,
    options: first.report.policy,
    files,
    findings: [...findings.values()].sort(compareFindings),
    errors,
    interrupted: interrupted.length ? interrupted.join('; ') : undefined,
  });
  merged.node = first.report.node;
  const baseline = inputs.find((i) => i.report.baseline)?.report.baseline;
  if (baseline) merged.baseline = { file: baseline.file, stale: [...stale.values()].sort(compareFindings) };
  return merged;
}

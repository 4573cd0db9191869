import fs from 'node:fs';
import type * as v from 'valibot';
import { compareFindings, type Finding, type Site } from './finding.js';
import { KINDS, type Kind } from './kinds.js';
import { pairFindings } from './match.js';
import { valibot } from './lazy.js';
import { LeakwatchConfigError } from './options.js';
import { writeFileAtomic } from './report/write.js';

/** One known leak. Only what identifies it: never pids, ports, fds, counts, bytes or timestamps. */
export interface BaselineEntry {
  id: string;
  kind: Kind;
  file: string;
  test: string[] | null;
  site: Site | null;
  /** A note for people (why it is accepted, a ticket); kept by `leakwatch baseline --prune`. */
  message?: string;
}

/** The committed `leakwatch-baseline.json`: known leaks that do not fail the run. */
export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

/** Built on first use: most runs have no baseline file, and workers never validate one. */
function buildBaselineSchema() {
  const v = valibot();
  const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
  const entrySchema = v.strictObject({
    id: v.pipe(v.string(), v.minLength(1)),
    kind: v.picklist(KINDS),
    file: v.pipe(v.string(), v.minLength(1)),
    test: v.nullable(v.array(v.string())),
    site: v.nullable(
      v.strictObject({ file: v.pipe(v.string(), v.minLength(1)), line: positiveInt, column: positiveInt }),
    ),
    message: v.optional(v.string()),
  });
  return v.strictObject({
    version: v.literal(1),
    entries: v.array(entrySchema),
  });
}
let baselineSchema: ReturnType<typeof buildBaselineSchema> | undefined;

/** One valibot issue for people: `"entries.3.site.line": expected >=1, received 0`, `"version" is missing`, `unknown key "x"`. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const where = valibot().getDotPath(issue);
  if (where && issue.expected === 'never') return `unknown key "${where}"`;
  if (where && issue.received === 'undefined') return `"${where}" is missing`;
  return `${where ? `"${where}"` : 'the file'}: expected ${issue.expected}, received ${issue.received}`;
}

const REGENERATE =
  'restore it from version control (git checkout -- <file>) or write it again from a JSON report with `npx leakwatch baseline <report.json>`';

/**
 * The baseline, or undefined when the file does not exist. Anything else that is not a valid baseline (unreadable,
 * empty, half-written, a merge conflict, another shape) throws: treating it as empty would fail every known leak,
 * and treating it as "everything known" would hide new ones.
 */
export function loadBaseline(file: string): Baseline | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new LeakwatchConfigError(
      `leakwatch: cannot read the baseline file ${file} (${code ?? (error as Error).message}). Fix: make it a readable file, or point the \`baseline\` option at the right path.`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why =
      text.trim() === ''
        ? 'is empty (half-written?)'
        : /^(<{7}|={7}|>{7})/m.test(text)
          ? 'has merge conflict markers'
          : `is not valid JSON (${(error as Error).message}): it may be half-written`;
    throw new LeakwatchConfigError(
      `leakwatch: the baseline file ${file} ${why}, and a corrupt baseline is never read as an empty one. Fix: ${REGENERATE.replace('<file>', file)}.`,
    );
  }
  const isObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  const result = isObject ? valibot().safeParse((baselineSchema ??= buildBaselineSchema()), data) : undefined;
  if (!result?.success) {
    const issue = result?.issues[0];
    const where = issue && valibot().getDotPath(issue);
    const version = isObject ? (data as { version?: unknown }).version : undefined;
    const what = !issue
      ? `is not a leakwatch baseline: expected an object { "version": 1, "entries": [...] }, received ${Array.isArray(data) ? 'an array' : JSON.stringify(data)}`
      : where === 'version' && typeof version === 'number'
        ? `has version ${version}, and this leakwatch reads version 1`
        : `is not a leakwatch baseline: ${describeIssue(issue)}`;
    // Written by a newer leakwatch: the file is fine, this copy of leakwatch is old.
    const fix =
      where === 'version' && typeof version === 'number' && version > 1
        ? 'upgrade leakwatch (npm install -D @leakwatch/vitest@latest or @leakwatch/jest@latest) to the version that wrote it'
        : REGENERATE.replace('<file>', file);
    throw new LeakwatchConfigError(`leakwatch: the baseline file ${file} ${what}. Fix: ${fix}.`);
  }
  return result.output as Baseline;
}

/**
 * Which findings the baseline knows (by finding id), and which of its entries no finding matched (stale: the leak
 * was fixed or the test removed). A finding matches an entry by id; failing that, when only the line moved (same
 * kind, file, test and site file: the nearest line) or when the test was renamed (same kind, file and site
 * file:line:column). Each entry matches at most one finding; a finding's count does not matter.
 */
export function matchBaseline(
  findings: Finding[],
  baseline: Baseline,
): { baselined: Set<string>; stale: BaselineEntry[]; matched: BaselineEntry[] } {
  const { pairs, onlyBefore } = pairFindings(baseline.entries, findings);
  return { baselined: new Set(pairs.map(([, f]) => f.id)), stale: onlyBefore, matched: pairs.map(([e]) => e) };
}

/** The entry of one finding: its identity only, keys in a fixed order. */
export function baselineEntry(
  f: Pick<Finding, 'id' | 'kind' | 'file' | 'test' | 'site'>,
  message?: string,
): BaselineEntry {
  const entry: BaselineEntry = {
    id: f.id,
    kind: f.kind,
    file: f.file,
    test: f.test ? [...f.test] : null,
    site: f.site ? { file: f.site.file, line: f.site.line, column: f.site.column } : null,
  };
  if (message !== undefined) entry.message = message;
  return entry;
}

/** 2-space JSON with a trailing newline: one entry per line group, so a fixed leak is a small removal in a diff. */
export function serializeBaseline(entries: BaselineEntry[]): string {
  const baseline: Baseline = { version: 1, entries };
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

/** The baseline file for these findings: one entry per finding, sorted like the report, stable across runs. */
export function renderBaseline(findings: Finding[]): string {
  return serializeBaseline([...findings].sort(compareFindings).map((f) => baselineEntry(f)));
}

/** Writes the baseline through a temp file and a rename: a reader never sees half of it. */
export function writeBaseline(file: string, findings: Finding[]): void {
  writeFileAtomic(file, renderBaseline(findings));
}

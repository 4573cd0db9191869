import path from 'node:path';
import type * as v from 'valibot';
import { KINDS, KIND_INFO, type Action, type Kind } from './kinds.js';
import { picomatch, valibot } from './lazy.js';

/** Long enough for an awaited close(), a killed child's exit or a watcher's close to finish; only paid when something is still open. */
export const DEFAULT_SETTLE_MS = 500;
/** Heap growth below this after a forced GC is noise from JIT, caches and lazy module state. */
export const DEFAULT_HEAP_THRESHOLD = 32 * 1024 * 1024;
/** Enough frames to get past node internals and a library or two to the user's line, short enough to stay cheap. */
export const DEFAULT_STACK_FRAMES = 16;
/** Committed next to the config; only read when it exists. */
export const DEFAULT_BASELINE = 'leakwatch-baseline.json';

export interface KindPolicy {
  action: Action;
  /** Leaked resources of this kind tolerated per test file before any is reported. */
  allow: number;
  /** Heap only: growth in bytes per test, after a forced GC, above which a finding is made. */
  threshold?: number;
}

/** Kinds that take a `threshold`: only the heap is measured in bytes; on any other kind it would be silently unused. */
export const THRESHOLD_KINDS: ReadonlySet<Kind> = new Set<Kind>(['heap']);

/** What one kind accepts in `kinds`: an action, or the object form with the fields that mean something for it. */
export type KindSetting<K extends Kind = Kind> =
  | Action
  | Partial<K extends 'heap' ? KindPolicy : Omit<KindPolicy, 'threshold'>>;

export interface LeakwatchOptions {
  /** Maximum time to let closing handles finish before judging a file. Default 500. */
  settleMs?: number;
  /** Per-kind action ('fail' | 'warn' | 'off') or { action, allow } (heap also takes threshold). */
  kinds?: { [K in Kind]?: KindSetting<K> };
  /** Report files, relative to the project root. */
  outputFile?: { json?: string; junit?: string };
  /** Print the grouped leak table to the console. Default true. */
  console?: boolean;
  /** Frames captured at each resource creation. Default 16. */
  stackFrames?: number;
  /** Close a file's leaked resources once they are reported. Default: on when the CI variable is set. */
  reap?: boolean;
  /** Known leaks that do not fail the run (see `leakwatch baseline`). Default 'leakwatch-baseline.json', used if it exists. */
  baseline?: string;
  /** Findings to drop, each rule matching on all the fields it gives. Added to the shipped DEFAULT_IGNORES. */
  ignore?: IgnoreRule[];
  /** When resources are judged: 'file' (after the file's afterAll hooks) or 'test' (after each test's own hooks). */
  scope?: 'file' | 'test';
  /** Print every finding in the console table, not only the most severe 5 per file and 20 per run. Default false. */
  consoleAll?: boolean;
  /**
   * A leaked child's arguments in reports: 'hidden' (only their count) or 'masked' (listed, values that look like
   * secrets masked). Default 'hidden': arguments carry tokens and passwords, and reports are shared.
   */
  childArguments?: 'hidden' | 'masked';
  /** How the JUnit report is written for the CI that reads it (see JunitOptions). */
  junit?: Partial<JunitOptions>;
}

/**
 * The JUnit report's shape. The default stays valid against the JUnit 10 schema (Jenkins): the leaking line travels
 * as the first frame of each <failure>, where GitHub's JUnit actions look for it.
 */
export interface JunitOptions {
  /**
   * `file` and `line` on every <testcase> and <failure>: GitLab shows the file, CircleCI splits tests by it, and
   * mikepenz/action-junit-report annotates that line. The JUnit 10 schema has no such attributes on a testcase.
   */
  fileAttributes: boolean;
}

export const DEFAULT_JUNIT: Readonly<JunitOptions> = { fileAttributes: false };

export interface IgnoreRule {
  /** One kind or several. */
  kind?: Kind | Kind[];
  /** Glob over the creation stack's files, relative to the root ('node_modules/pg-pool/**' matches at any depth). */
  stack?: string;
  /** Glob over the test's title path joined with ' > '. */
  test?: string;
  /** Glob over the test file, relative to the root. */
  file?: string;
  /** Why: shown with the rule in the resolved policy. */
  reason?: string;
}

export interface ResolvedOptions {
  settleMs: number;
  kinds: Record<Kind, KindPolicy>;
  outputFile: { json?: string; junit?: string };
  console: boolean;
  stackFrames: number;
  reap: boolean;
  baseline: string;
  ignore: IgnoreRule[];
  scope: 'file' | 'test';
  consoleAll: boolean;
  childArguments: 'hidden' | 'masked';
  junit: JunitOptions;
}

/** Built on first validation: the runner's main process validates, its workers receive options already resolved. */
function buildOptionsSchema() {
  const v = valibot();
  const actionSchema = v.picklist(['fail', 'warn', 'off'] as const);
  const allowSchema = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));
  const thresholdSchema = v.optional(v.pipe(v.number(), v.minValue(0)));
  const kindPolicySchema = (kind: Kind) =>
    v.union([
      actionSchema,
      THRESHOLD_KINDS.has(kind)
        ? v.strictObject({ action: v.optional(actionSchema), allow: allowSchema, threshold: thresholdSchema })
        : v.strictObject({ action: v.optional(actionSchema), allow: allowSchema }),
    ]);
  const kindsEntries = Object.fromEntries(KINDS.map((k) => [k, v.optional(kindPolicySchema(k))])) as Record<
    Kind,
    v.OptionalSchema<ReturnType<typeof kindPolicySchema>, undefined>
  >;

  return v.strictObject({
    settleMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000))),
    kinds: v.optional(v.strictObject(kindsEntries)),
    outputFile: v.optional(
      v.strictObject({
        json: v.optional(v.pipe(v.string(), v.minLength(1))),
        junit: v.optional(v.pipe(v.string(), v.minLength(1))),
      }),
    ),
    console: v.optional(v.boolean()),
    stackFrames: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200))),
    reap: v.optional(v.boolean()),
    baseline: v.optional(v.pipe(v.string(), v.minLength(1))),
    ignore: v.optional(
      v.array(
        v.strictObject({
          kind: v.optional(v.union([v.picklist(KINDS), v.array(v.picklist(KINDS))])),
          stack: v.optional(v.pipe(v.string(), v.minLength(1))),
          test: v.optional(v.pipe(v.string(), v.minLength(1))),
          file: v.optional(v.pipe(v.string(), v.minLength(1))),
          reason: v.optional(v.string()),
        }),
      ),
    ),
    scope: v.optional(v.picklist(['file', 'test'] as const)),
    consoleAll: v.optional(v.boolean()),
    childArguments: v.optional(v.picklist(['hidden', 'masked'] as const)),
    junit: v.optional(v.strictObject({ fileAttributes: v.optional(v.boolean()) })),
  });
}
let optionsSchema: ReturnType<typeof buildOptionsSchema> | undefined;

const FIX: Record<string, string> = {
  settleMs: 'use a whole number of milliseconds between 0 and 60000, e.g. settleMs: 500',
  kinds: `use { <kind>: 'fail' | 'warn' | 'off' | { action, allow } } (heap also takes threshold, in bytes) with a kind among ${KINDS.join(', ')}`,
  outputFile: "use { json?: 'leakwatch.json', junit?: 'leakwatch-junit.xml' }",
  console: 'use true or false',
  stackFrames: 'use a whole number between 1 and 200',
  reap: 'use true or false',
  baseline: "use a path relative to the project root, e.g. 'leakwatch-baseline.json'",
  ignore:
    "use a list of rules { kind?, stack?, test?, file?, reason? }, e.g. [{ stack: 'node_modules/pg-pool/**', reason: 'pool closed by globalTeardown' }]",
  scope: "use 'file' (judge after the file's afterAll hooks) or 'test' (after each test's own hooks)",
  consoleAll:
    'use true (print every finding) or false (the most severe 5 per file and 20 per run; the reports keep all)',
  childArguments:
    "use 'hidden' (a leaked child shows its command and argument count) or 'masked' (its arguments too, secrets masked)",
  junit:
    'use { fileAttributes: true } (file and line on each testcase, for GitLab, CircleCI and mikepenz/action-junit-report) or { fileAttributes: false } (the JUnit 10 schema, the default)',
};

export class LeakwatchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeakwatchConfigError';
  }
}

/** Validates raw options (from the plugin call or a config file) and throws one error naming the key and the fix. */
export function validateOptions(input: unknown, source: string): LeakwatchOptions {
  checkKindFields(input, source);
  const result = valibot().safeParse((optionsSchema ??= buildOptionsSchema()), input ?? {});
  if (result.success) {
    validateGlobs(result.output.ignore ?? [], source);
    return result.output as LeakwatchOptions;
  }
  const issue = innermost(result.issues[0]);
  const path = valibot().getDotPath(issue) ?? '';
  const top = path.split('.')[0] ?? '';
  const known = top in FIX;
  const what =
    issue.expected === 'never' || (!known && top)
      ? `unknown option "${path}"`
      : `invalid value for "${path || '(root)'}": ${expectation(issue)}, got ${shown(issue.input)}`;
  const fix = known ? FIX[top] : `remove it; known options are ${Object.keys(FIX).join(', ')}`;
  throw new LeakwatchConfigError(`leakwatch: ${what} in ${source}. Fix: ${fix}.`);
}

type Issue = import('valibot').BaseIssue<unknown>;

/**
 * The issue that names the field at fault: of a union ('warn' or an object), the alternative whose shape the user
 * chose (an object for { action: 'error' }), and within it the deepest field.
 */
function innermost(issue: Issue): Issue {
  const nested = issue.issues;
  if (issue.type !== 'union' || !nested?.length) return issue;
  const isObject = typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input);
  // Valibot gives the alternatives' paths relative to the union.
  const candidates = nested.filter((n) =>
    isObject ? (n.path?.length ?? 0) > 0 : n.type !== 'strict_object' && n.type !== 'object',
  );
  const pick = candidates.sort((a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0))[0];
  if (!pick) return issue;
  return innermost({ ...pick, path: [...(issue.path ?? []), ...(pick.path ?? [])] as Issue['path'] });
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** What the value should have been, in words: "expected a whole number", "expected one of 'fail', 'warn', 'off'". */
function expectation(issue: Issue): string {
  const requirement = (issue as { requirement?: unknown }).requirement;
  switch (issue.type) {
    case 'integer':
      return 'expected a whole number';
    case 'min_value':
      return `expected at least ${requirement}`;
    case 'max_value':
      return `expected at most ${requirement}`;
    case 'min_length':
      return 'expected a non-empty string';
    case 'picklist':
      // '("fail" | "warn" | "off")' as the user writes it: 'fail', 'warn' or 'off'.
      return `expected one of ${(issue.expected ?? '')
        .replace(/^\(|\)$/g, '')
        .replace(/"/g, "'")
        .split(' | ')
        .join(', ')}`;
    case 'boolean':
      return 'expected true or false';
    case 'number':
      return 'expected a number';
    case 'string':
      return 'expected a string';
    case 'array':
      return 'expected a list';
    case 'strict_object':
    case 'object':
      return 'expected an object';
    case 'union':
      return `expected ${issue.expected}`;
    default:
      return `expected ${issue.expected}`;
  }
}

/** The fields of a kind's object form that mean something for it. */
function kindFields(kind: Kind): string[] {
  return THRESHOLD_KINDS.has(kind) ? ['action', 'allow', 'threshold'] : ['action', 'allow'];
}

/** What a per-kind field is for, to say why it means nothing on another kind. */
const FIELD_MEANING: Record<string, string> = {
  threshold: 'the heap growth in bytes per test, after a forced GC',
};

/**
 * A field that only some kinds use (`threshold`), set on another kind, is a mistake the user should hear about: it
 * would otherwise be read by nothing. Checked before the schema, whose union error names neither the field nor what
 * the kind accepts.
 */
function checkKindFields(input: unknown, source: string): void {
  const kinds = (input as { kinds?: unknown } | null | undefined)?.kinds;
  if (kinds === null || typeof kinds !== 'object') return;
  for (const [kind, setting] of Object.entries(kinds)) {
    if (!(KINDS as readonly string[]).includes(kind) || setting === null || typeof setting !== 'object') continue;
    const accepted = kindFields(kind as Kind);
    const fix = `remove it; kinds.${kind} accepts 'fail' | 'warn' | 'off' or { ${accepted.join(', ')} }`;
    for (const field of Object.keys(setting)) {
      if (accepted.includes(field)) continue;
      if (!(field in FIELD_MEANING))
        throw new LeakwatchConfigError(`leakwatch: unknown option "kinds.${kind}.${field}" in ${source}. Fix: ${fix}.`);
      const users = KINDS.filter((k) => kindFields(k).includes(field));
      throw new LeakwatchConfigError(
        `leakwatch: "kinds.${kind}.${field}" has no meaning for ${kind} in ${source}: ${field} is ${FIELD_MEANING[field]}, accepted only by ${users.join(', ')}. Fix: ${fix}.`,
      );
    }
  }
}

/** A glob that cannot compile is a config error at startup, not a rule that silently never matches. */
function validateGlobs(rules: ReadonlyArray<Record<string, unknown>>, source: string): void {
  rules.forEach((rule, i) => {
    for (const key of ['stack', 'test', 'file'] as const) {
      const pattern = rule[key];
      if (typeof pattern !== 'string') continue;
      try {
        picomatch().makeRe(pattern, { strictBrackets: true });
      } catch (error) {
        throw new LeakwatchConfigError(
          `leakwatch: invalid glob in "ignore.${i}.${key}" (${JSON.stringify(pattern)}) in ${source}: ${(error as Error).message}. Fix: ${FIX.ignore}.`,
        );
      }
    }
  });
}

/**
 * In CI a leaked handle turns into a job that never ends (Jest run in band, files sharing a process) and one leak
 * poisons the files after it; locally you may want the leak left alone to inspect it.
 */
export function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** `LEAKWATCH=off|warn|fail`: one run's mode, over whatever the config says (local debugging vs CI). */
export const MODE_ENV = 'LEAKWATCH';
/** `LEAKWATCH_REPORT_DIR`: where report files go, under their configured file names; both are written. */
export const REPORT_DIR_ENV = 'LEAKWATCH_REPORT_DIR';

/**
 * The environment's say over one run. Validated like options: a typo in CI must not silently turn detection off.
 */
export function applyEnvironment(options: ResolvedOptions, env: NodeJS.ProcessEnv): ResolvedOptions {
  const mode = env[MODE_ENV];
  let kinds = options.kinds;
  if (mode !== undefined && mode !== '') {
    if (mode !== 'off' && mode !== 'warn' && mode !== 'fail') {
      throw new LeakwatchConfigError(
        `leakwatch: invalid ${MODE_ENV}="${mode}" in the environment. Fix: use off, warn or fail, or unset it.`,
      );
    }
    kinds = Object.fromEntries(
      Object.entries(kinds).map(([kind, policy]) => [
        kind,
        { ...policy, action: mode === 'off' || policy.action === 'off' ? 'off' : mode },
      ]),
    ) as ResolvedOptions['kinds'];
  }
  let outputFile = options.outputFile;
  const dir = env[REPORT_DIR_ENV];
  if (dir) {
    outputFile = {
      json: path.resolve(dir, path.basename(options.outputFile.json ?? 'leakwatch.json')),
      junit: path.resolve(dir, path.basename(options.outputFile.junit ?? 'leakwatch-junit.xml')),
    };
  }
  return { ...options, kinds, outputFile };
}

/**
 * The one merge of option layers (defaults < leakwatch.config.* < the plugin's or withLeakwatch()'s options), used by
 * every adapter. Later layers win field by field: each layer is first put in object form (normalizeLayer), so a
 * shorthand in one layer (`timer: 'warn'`) and an object in another (`timer: { allow: 2 }`) combine instead of one
 * replacing the other. The environment (LEAKWATCH, LEAKWATCH_REPORT_DIR, CI) has the last word; callers pass it, so
 * what a run does never depends on a variable the caller did not mean to hand over.
 */
export function resolveOptions(
  layers: ReadonlyArray<LeakwatchOptions | undefined>,
  env: NodeJS.ProcessEnv,
): ResolvedOptions {
  const merged = mergeLayers(layers);
  const kinds = Object.fromEntries(
    KINDS.map((k) => {
      const policy: KindPolicy = { action: KIND_INFO[k].action, allow: 0 };
      if (THRESHOLD_KINDS.has(k)) policy.threshold = DEFAULT_HEAP_THRESHOLD;
      return [k, { ...policy, ...merged.kinds[k] }];
    }),
  ) as Record<Kind, KindPolicy>;
  return applyEnvironment(
    {
      settleMs: merged.settleMs ?? DEFAULT_SETTLE_MS,
      kinds,
      outputFile: merged.outputFile,
      console: merged.console ?? true,
      stackFrames: merged.stackFrames ?? DEFAULT_STACK_FRAMES,
      reap: merged.reap ?? isCI(env),
      baseline: merged.baseline ?? DEFAULT_BASELINE,
      ignore: merged.ignore,
      scope: merged.scope ?? 'file',
      consoleAll: merged.consoleAll ?? false,
      childArguments: merged.childArguments ?? 'hidden',
      junit: { ...DEFAULT_JUNIT, ...merged.junit },
    },
    env,
  );
}

/** A layer in object form: each kind's shorthand action expanded to `{ action }`, and fields set to undefined dropped. */
export interface NormalizedLayer extends Omit<LeakwatchOptions, 'kinds' | 'outputFile' | 'ignore' | 'junit'> {
  kinds: Partial<Record<Kind, Partial<KindPolicy>>>;
  outputFile: { json?: string; junit?: string };
  junit: Partial<JunitOptions>;
  ignore: IgnoreRule[];
}

/**
 * Puts one layer in object form. An undefined field (`json: process.env.X ? 'r.json' : undefined` in a config file)
 * means "not set here", so it must not erase what a lower layer set.
 */
export function normalizeLayer(layer: LeakwatchOptions | undefined): NormalizedLayer {
  const { kinds, outputFile, ignore, junit, ...scalars } = layer ?? {};
  const normalized: Partial<Record<Kind, Partial<KindPolicy>>> = {};
  for (const [kind, setting] of Object.entries(kinds ?? {}) as Array<[Kind, KindSetting | undefined]>) {
    if (setting === undefined) continue;
    normalized[kind] = typeof setting === 'string' ? { action: setting } : definedOnly(setting);
  }
  return {
    ...definedOnly(scalars),
    kinds: normalized,
    outputFile: definedOnly(outputFile ?? {}),
    junit: definedOnly(junit ?? {}),
    ignore: ignore ?? [],
  };
}

/** Merges layers in object form, later ones winning field by field; ignore rules add up (a layer can only ignore more). */
export function mergeLayers(layers: ReadonlyArray<LeakwatchOptions | undefined>): NormalizedLayer {
  const merged: NormalizedLayer = { kinds: {}, outputFile: {}, junit: {}, ignore: [] };
  for (const layer of layers.map(normalizeLayer)) {
    const { kinds, outputFile, junit, ignore, ...scalars } = layer;
    Object.assign(merged, scalars);
    for (const [kind, policy] of Object.entries(kinds) as Array<[Kind, Partial<KindPolicy>]>) {
      merged.kinds[kind] = { ...merged.kinds[kind], ...policy };
    }
    Object.assign(merged.outputFile, outputFile);
    Object.assign(merged.junit, junit);
    merged.ignore.push(...ignore);
  }
  return merged;
}

function definedOnly<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

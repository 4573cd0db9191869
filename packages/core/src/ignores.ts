import { picomatch } from './lazy.js';
import type { RawFinding } from './finding.js';
import type { IgnoreRule } from './options.js';

/**
 * The shipped ignore rules: a visible, versioned list of things that look like leaks and are not, each with its
 * story. Users add their own with the `ignore` option; these always apply.
 */
export const DEFAULT_IGNORES: readonly IgnoreRule[] = [
  {
    kind: 'listener',
    stack: 'node_modules/signal-exit/**',
    reason:
      'signal-exit (used by many CLIs and loggers) installs its process handlers once per process, on first use, by design',
  },
  {
    kind: 'listener',
    stack: 'node_modules/source-map-support/**',
    reason: 'source-map-support hooks process events once when installed',
  },
];

const FRAME_FILE_RE = /(?:\(|^)([^()]+?):\d+:\d+\)?$/;

type Matcher = (value: string) => boolean;
interface CompiledRule {
  kinds?: Set<string>;
  stack?: Matcher;
  test?: Matcher;
  file?: Matcher;
}

/** 'node_modules/x/**' is meant at any depth (pnpm nests packages under node_modules/.pnpm/...). */
function globMatcher(pattern: string): Matcher {
  const patterns = [pattern];
  if (!pattern.startsWith('**/') && !pattern.startsWith('/') && pattern.startsWith('node_modules/'))
    patterns.push(`**/${pattern}`);
  return picomatch()(patterns, { dot: true });
}

const compiled = new WeakMap<readonly IgnoreRule[], CompiledRule[]>();
function compile(rules: readonly IgnoreRule[]): CompiledRule[] {
  let result = compiled.get(rules);
  if (!result) {
    result = rules.map((r) => ({
      kinds: r.kind === undefined ? undefined : new Set(Array.isArray(r.kind) ? r.kind : [r.kind]),
      stack: r.stack ? globMatcher(r.stack) : undefined,
      test: r.test ? picomatch()(r.test, { dot: true }) : undefined,
      file: r.file ? globMatcher(r.file) : undefined,
    }));
    compiled.set(rules, result);
  }
  return result;
}

function matches(rule: CompiledRule, f: RawFinding): boolean {
  if (rule.kinds && !rule.kinds.has(f.kind)) return false;
  if (rule.file && !rule.file(f.file)) return false;
  if (rule.test && !(f.test && rule.test(f.test.join(' > ')))) return false;
  if (rule.stack) {
    const files = (f.stack ?? []).map((frame) => FRAME_FILE_RE.exec(frame)?.[1]).filter((x): x is string => !!x);
    if (f.site) files.unshift(f.site.file);
    if (!files.some((file) => rule.stack!(file))) return false;
  }
  return true;
}

/** True when any shipped or user rule drops this finding. */
export function isIgnored(f: RawFinding, rules: readonly IgnoreRule[]): boolean {
  return compile(DEFAULT_IGNORES).some((r) => matches(r, f)) || compile(rules).some((r) => matches(r, f));
}

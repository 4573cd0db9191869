import type { Kind } from './kinds.js';
import type { Site } from './finding.js';

/** What findings and baseline entries are matched on: the fields of a finding's id. */
export interface Matchable {
  id: string;
  kind: Kind;
  file: string;
  test: string[] | null;
  site: Site | null;
}

export interface Pairing<A, B> {
  /** Matched pairs, in the order of `before`. */
  pairs: Array<[A, B]>;
  /** In `before` only (a stale baseline entry, a fixed finding). */
  onlyBefore: A[];
  /** In `after` only (a finding not in the baseline, a new finding). */
  onlyAfter: B[];
}

const sameTest = (a: string[] | null, b: string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((t, i) => t === b[i]);

function commonPrefix(a: string[] | null, b: string[] | null): number {
  if (!a || !b) return 0;
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Pairs the items of `before` (baseline entries, or the findings of an earlier report) with those of `after`, each
 * item in at most one pair:
 *
 * 1. by id;
 * 2. the test was renamed: same kind, file and site file:line:column (preferring the closest title path);
 * 3. only the line moved: same kind, file, test and site file, nearest line (then nearest column).
 *
 * Fallbacks 2 and 3 need a site on both sides. Deterministic: ties go to the earlier item of each list.
 */
export function pairFindings<A extends Matchable, B extends Matchable>(
  before: readonly A[],
  after: readonly B[],
): Pairing<A, B> {
  const pairOf = new Map<number, number>(); // before index -> after index
  const taken = new Set<number>(); // after indexes

  // 1. By id.
  const byId = new Map<string, number[]>();
  after.forEach((b, j) => {
    const same = byId.get(b.id);
    if (same) same.push(j);
    else byId.set(b.id, [j]);
  });
  before.forEach((a, i) => {
    const j = byId.get(a.id)?.find((k) => !taken.has(k));
    if (j === undefined) return;
    pairOf.set(i, j);
    taken.add(j);
  });

  // 2 and 3: greedy over candidate pairs, best score first, within groups of the same kind and file.
  const fallback = (accepts: (a: A, b: B) => boolean, score: (a: A, b: B) => number[]) => {
    const groups = new Map<string, number[]>();
    after.forEach((b, j) => {
      if (taken.has(j) || !b.site) return;
      const key = `${b.kind}\0${b.file}`;
      const group = groups.get(key);
      if (group) group.push(j);
      else groups.set(key, [j]);
    });
    const candidates: Array<{ i: number; j: number; score: number[] }> = [];
    before.forEach((a, i) => {
      if (pairOf.has(i) || !a.site) return;
      for (const j of groups.get(`${a.kind}\0${a.file}`) ?? []) {
        const b = after[j]!;
        if (accepts(a, b)) candidates.push({ i, j, score: score(a, b) });
      }
    });
    candidates.sort((x, y) => {
      for (let k = 0; k < x.score.length; k++) {
        const d = x.score[k]! - y.score[k]!;
        if (d) return d;
      }
      return x.i - y.i || x.j - y.j;
    });
    for (const { i, j } of candidates) {
      if (pairOf.has(i) || taken.has(j)) continue;
      pairOf.set(i, j);
      taken.add(j);
    }
  };
  fallback(
    (a, b) => a.site!.file === b.site!.file && a.site!.line === b.site!.line && a.site!.column === b.site!.column,
    (a, b) => [-commonPrefix(a.test, b.test)],
  );
  fallback(
    (a, b) => a.site!.file === b.site!.file && sameTest(a.test, b.test),
    (a, b) => [Math.abs(a.site!.line - b.site!.line), Math.abs(a.site!.column - b.site!.column)],
  );

  const pairs: Array<[A, B]> = [];
  const onlyBefore: A[] = [];
  before.forEach((a, i) => {
    const j = pairOf.get(i);
    if (j === undefined) onlyBefore.push(a);
    else pairs.push([a, after[j]!]);
  });
  return { pairs, onlyBefore, onlyAfter: after.filter((_, j) => !taken.has(j)) };
}

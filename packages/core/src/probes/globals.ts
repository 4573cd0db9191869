const hasOwn = (o: object, name: string) => Object.hasOwn(o, name);

/**
 * `candidate` (a vm context's sandbox) if every name set on or deleted from `global` lands on it too: Node's vm
 * forwards a contextified global's own properties to its sandbox, which lists its names ~5x faster than the global
 * can (no interceptors). Checked with a real write, so an environment built some other way simply gets no mirror.
 */
export function globalsMirror(global: object, candidate: object | undefined): object | undefined {
  if (!candidate || candidate === global) return undefined;
  const probe = `__leakwatch_mirror_${process.pid}`;
  try {
    (global as Record<string, unknown>)[probe] = true;
    const mirrored = hasOwn(candidate, probe);
    delete (global as Record<string, unknown>)[probe];
    return mirrored && !hasOwn(candidate, probe) && !hasOwn(global, probe) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Global names a test added to globalThis and left there after its afterEach hooks. */
export class GlobalsProbe {
  private before: string[] | undefined;
  /** The names at the last test's end, for a start that knows no code ran since (see Detector.testStart). */
  private last: string[] | undefined;
  /** With a mirror: its names at the test's start and at the last end, a cheap "did anything change" check. */
  private mirrorBefore: string[] | undefined;
  private mirrorLast: string[] | undefined;
  private mirror: object | undefined;

  /** A faster stand-in to detect changes of the global's names (see globalsMirror); undefined for none. */
  useMirror(mirror: object | undefined): void {
    this.mirror = mirror;
    this.invalidate();
  }

  /**
   * `target` is the global object the test sees: globalThis in Vitest, the per-file vm global in Jest, where listing
   * names goes through the context's interceptors and costs ~80 µs: `reuse` takes the last end's list instead.
   */
  start(target: object = globalThis, reuse = false): void {
    const reused = reuse && this.last !== undefined && (this.mirror === undefined || this.mirrorLast !== undefined);
    this.before = reused ? this.last : Object.getOwnPropertyNames(target);
    this.mirrorBefore = reused ? this.mirrorLast : this.mirror && Object.getOwnPropertyNames(this.mirror);
    this.invalidate();
  }

  /** Forgets the last end's list: code ran between tests (a new file, a beforeAll/afterAll hook). */
  invalidate(): void {
    this.last = undefined;
    this.mirrorLast = undefined;
  }

  end(target: object = globalThis): string[] {
    const before = this.before;
    if (!before) return [];
    this.before = undefined;
    if (this.mirror && this.mirrorBefore) {
      const mirrored = Object.getOwnPropertyNames(this.mirror);
      this.mirrorLast = mirrored;
      if (sameNames(mirrored, this.mirrorBefore)) {
        this.last = before;
        return [];
      }
    }
    const names = Object.getOwnPropertyNames(target);
    this.last = names;
    // The same names in the same order is the common case (property order is insertion order); a set is only built
    // when something changed.
    if (sameNames(names, before)) return [];
    const had = new Set(before);
    return names.filter((n) => !had.has(n));
  }
}

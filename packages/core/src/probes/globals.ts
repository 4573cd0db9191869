/** Global names a test added to globalThis and left there after its afterEach hooks. */
export class GlobalsProbe {
  private before: string[] | undefined;
  /** The names at the last test's end, for a start that knows no code ran since (see Detector.testStart). */
  private last: string[] | undefined;

  /**
   * `target` is the global object the test sees: globalThis in Vitest, the per-file vm global in Jest, where listing
   * names goes through the context's interceptors and costs ~80 µs: `reuse` takes the last end's list instead.
   */
  start(target: object = globalThis, reuse = false): void {
    this.before = (reuse && this.last) || Object.getOwnPropertyNames(target);
    this.last = undefined;
  }

  /** Forgets the last end's list: code ran between tests (a new file, a beforeAll/afterAll hook). */
  invalidate(): void {
    this.last = undefined;
  }

  end(target: object = globalThis): string[] {
    const before = this.before;
    if (!before) return [];
    this.before = undefined;
    const names = Object.getOwnPropertyNames(target);
    this.last = names;
    // The same names in the same order is the common case (property order is insertion order); a set is only built
    // when something changed.
    if (names.length === before.length && names.every((n, i) => n === before[i])) return [];
    const had = new Set(before);
    return names.filter((n) => !had.has(n));
  }
}

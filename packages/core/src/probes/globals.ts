/** Global names a test added to globalThis and left there after its afterEach hooks. */
export class GlobalsProbe {
  private before: string[] | undefined;

  /** `target` is the global object the test sees: globalThis in Vitest, the per-file vm global in Jest. */
  start(target: object = globalThis): void {
    this.before = Object.getOwnPropertyNames(target);
  }

  end(target: object = globalThis): string[] {
    const before = this.before;
    if (!before) return [];
    this.before = undefined;
    const names = Object.getOwnPropertyNames(target);
    // The same names in the same order is the common case (property order is insertion order); a set is only built
    // when something changed.
    if (names.length === before.length && names.every((n, i) => n === before[i])) return [];
    const had = new Set(before);
    return names.filter((n) => !had.has(n));
  }
}

/** Global names a test added to globalThis and left there after its afterEach hooks. */
export class GlobalsProbe {
  private before: Set<string> | undefined;

  /** `target` is the global object the test sees: globalThis in Vitest, the per-file vm global in Jest. */
  start(target: object = globalThis): void {
    this.before = new Set(Object.getOwnPropertyNames(target));
  }

  end(target: object = globalThis): string[] {
    const before = this.before;
    if (!before) return [];
    this.before = undefined;
    const names = Object.getOwnPropertyNames(target);
    // Same count and same names is the common case; the set lookup below is only paid when something changed.
    if (names.length === before.size && names.every((n) => before.has(n))) return [];
    return names.filter((n) => !before.has(n));
  }
}

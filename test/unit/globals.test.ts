import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { GlobalsProbe, globalsMirror } from '../../packages/core/src/probes/globals';

/** A Jest-style realm: a contextified sandbox and the vm global in front of it. */
function realm() {
  const sandbox = vm.createContext({ existing: 1 });
  const global = vm.runInContext('globalThis', sandbox) as Record<string, unknown>;
  return { sandbox, global, run: (code: string) => vm.runInContext(code, sandbox) };
}

describe('globalsMirror', () => {
  test('accepts a vm sandbox and leaves no probe property behind', () => {
    const { sandbox, global } = realm();
    expect(globalsMirror(global, sandbox)).toBe(sandbox);
    expect(Object.getOwnPropertyNames(global).filter((n) => n.startsWith('__leakwatch'))).toEqual([]);
    expect(Object.getOwnPropertyNames(sandbox)).toEqual(['existing']);
  });

  test('refuses an object that does not mirror the global, the global itself, and none', () => {
    const { global } = realm();
    expect(globalsMirror(global, {})).toBeUndefined();
    expect(globalsMirror(global, global)).toBeUndefined();
    expect(globalsMirror(globalThis, undefined)).toBeUndefined();
    expect(globalsMirror(Object.freeze({}), {})).toBeUndefined();
  });
});

describe('GlobalsProbe with a mirror', () => {
  const cases: [string, string, string[]][] = [
    ['assignment', 'globalThis.added = 1', ['added']],
    [
      'var-style definition',
      'Object.defineProperty(globalThis, "defined", { value: 1, enumerable: false })',
      ['defined'],
    ],
    ['one name swapped for another', 'delete globalThis.existing; globalThis.other = 1', ['other']],
    ['nothing', 'const local = 1', []],
  ];
  test.each(cases)('finds what a test left: %s', (_name, code, expected) => {
    const { sandbox, global, run } = realm();
    const probe = new GlobalsProbe();
    probe.useMirror(globalsMirror(global, sandbox));
    probe.start(global);
    run(code);
    expect(probe.end(global)).toEqual(expected);
  });

  test('a reused start still sees the next test’s additions', () => {
    const { sandbox, global, run } = realm();
    const probe = new GlobalsProbe();
    probe.useMirror(globalsMirror(global, sandbox));
    probe.start(global);
    expect(probe.end(global)).toEqual([]);
    probe.start(global, true);
    run('globalThis.second = 1');
    expect(probe.end(global)).toEqual(['second']);
    probe.start(global, true);
    expect(probe.end(global)).toEqual([]);
  });

  test('the global is not listed at a test end when its mirror did not change', () => {
    let listed = 0;
    const global = new Proxy({ a: 1 } as Record<string, unknown>, {
      ownKeys: (t) => {
        listed++;
        return Reflect.ownKeys(t);
      },
    });
    const probe = new GlobalsProbe();
    probe.useMirror({ a: 1 });
    probe.start(global);
    expect(listed).toBe(1);
    expect(probe.end(global)).toEqual([]);
    probe.start(global, true);
    expect(probe.end(global)).toEqual([]);
    expect(listed).toBe(1);
  });

  test('without a mirror the global itself is compared', () => {
    const { global, run } = realm();
    const probe = new GlobalsProbe();
    probe.useMirror(undefined);
    probe.start(global);
    run('globalThis.plain = 1');
    expect(probe.end(global)).toEqual(['plain']);
  });
});

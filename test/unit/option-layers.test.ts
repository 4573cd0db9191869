import { describe, expect, test } from 'vitest';
import { DEFAULT_HEAP_THRESHOLD, resolveOptions, type LeakwatchOptions } from '@leakwatch/core/adapter';

/**
 * Option layers (defaults < leakwatch.config.* < the plugin's or withLeakwatch()'s options) merge field by field,
 * whatever form each layer wrote a field in. Every case runs in both orders: the later layer wins the fields it sets,
 * and keeps the fields only the earlier one set.
 */
const NO_ENV = {};
const merge = (...layers: Array<LeakwatchOptions | undefined>) => resolveOptions(layers, NO_ENV);

describe('a kind written as an action in one layer and an object in the other', () => {
  test("config 'warn' + plugin { allow: 2 } keeps the action", () => {
    expect(merge({ kinds: { timer: 'warn' } }, { kinds: { timer: { allow: 2 } } }).kinds.timer).toEqual({
      action: 'warn',
      allow: 2,
    });
  });

  test("config { action: 'warn', allow: 2 } + plugin 'fail' keeps allow", () => {
    expect(merge({ kinds: { timer: { action: 'warn', allow: 2 } } }, { kinds: { timer: 'fail' } }).kinds.timer).toEqual(
      {
        action: 'fail',
        allow: 2,
      },
    );
  });

  test('an object with an action over an action: the later action wins', () => {
    expect(
      merge({ kinds: { socket: 'off' } }, { kinds: { socket: { action: 'warn', allow: 1 } } }).kinds.socket,
    ).toEqual({ action: 'warn', allow: 1 });
    expect(
      merge({ kinds: { socket: { action: 'warn', allow: 1 } } }, { kinds: { socket: 'off' } }).kinds.socket,
    ).toEqual({ action: 'off', allow: 1 });
  });

  test('action over action and object over object', () => {
    expect(merge({ kinds: { server: 'warn' } }, { kinds: { server: 'off' } }).kinds.server.action).toBe('off');
    expect(merge({ kinds: { server: 'off' } }, { kinds: { server: 'warn' } }).kinds.server.action).toBe('warn');
    expect(merge({ kinds: { server: { action: 'warn' } } }, { kinds: { server: { allow: 3 } } }).kinds.server).toEqual({
      action: 'warn',
      allow: 3,
    });
    expect(merge({ kinds: { server: { allow: 3 } } }, { kinds: { server: { action: 'warn' } } }).kinds.server).toEqual({
      action: 'warn',
      allow: 3,
    });
  });

  test("heap: 'fail' + { threshold }, both orders, keeps both; the default threshold stays when none is set", () => {
    const expected = { action: 'fail', allow: 0, threshold: 1024 };
    expect(merge({ kinds: { heap: 'fail' } }, { kinds: { heap: { threshold: 1024 } } }).kinds.heap).toEqual(expected);
    expect(merge({ kinds: { heap: { threshold: 1024 } } }, { kinds: { heap: 'fail' } }).kinds.heap).toEqual(expected);
    expect(merge({ kinds: { heap: 'off' } }, { kinds: { heap: { allow: 1 } } }).kinds.heap).toEqual({
      action: 'off',
      allow: 1,
      threshold: DEFAULT_HEAP_THRESHOLD,
    });
  });

  test('a kind set in one layer only is kept, whichever layer it is in', () => {
    const a: LeakwatchOptions = { kinds: { timer: 'warn' } };
    const b: LeakwatchOptions = { kinds: { socket: { allow: 4 } } };
    for (const o of [merge(a, b), merge(b, a)]) {
      expect(o.kinds.timer).toEqual({ action: 'warn', allow: 0 });
      expect(o.kinds.socket).toEqual({ action: 'fail', allow: 4 });
    }
  });

  test('three layers: each adds what it sets', () => {
    const o = merge({ kinds: { timer: 'warn' } }, { kinds: { timer: { allow: 2 } } }, { kinds: { timer: 'fail' } });
    expect(o.kinds.timer).toEqual({ action: 'fail', allow: 2 });
  });
});

describe('fields a layer leaves undefined do not erase a lower layer', () => {
  test('per-kind fields', () => {
    const set: LeakwatchOptions = { kinds: { timer: { action: 'warn', allow: 2 } } };
    const unset: LeakwatchOptions = { kinds: { timer: { action: undefined, allow: undefined } } };
    expect(merge(set, unset).kinds.timer).toEqual({ action: 'warn', allow: 2 });
    expect(merge(unset, set).kinds.timer).toEqual({ action: 'warn', allow: 2 });
    expect(merge(set, { kinds: { timer: undefined } }).kinds.timer).toEqual({ action: 'warn', allow: 2 });
  });

  test('top-level fields', () => {
    const set: LeakwatchOptions = { settleMs: 10, console: false, reap: true, baseline: 'b.json', scope: 'test' };
    const unset: LeakwatchOptions = {
      settleMs: undefined,
      console: undefined,
      reap: undefined,
      baseline: undefined,
      scope: undefined,
      stackFrames: undefined,
    };
    for (const o of [merge(set, unset), merge(unset, set)]) {
      expect(o).toMatchObject({ settleMs: 10, console: false, reap: true, baseline: 'b.json', scope: 'test' });
      expect(o.stackFrames).toBe(16);
    }
  });
});

describe('outputFile merges report by report', () => {
  test('json from one layer, junit from the other, both orders', () => {
    const a: LeakwatchOptions = { outputFile: { json: 'a.json' } };
    const b: LeakwatchOptions = { outputFile: { junit: 'b.xml' } };
    expect(merge(a, b).outputFile).toEqual({ json: 'a.json', junit: 'b.xml' });
    expect(merge(b, a).outputFile).toEqual({ json: 'a.json', junit: 'b.xml' });
  });

  test('the later layer wins a report both set; an undefined one does not erase it', () => {
    expect(merge({ outputFile: { json: 'a.json' } }, { outputFile: { json: 'b.json' } }).outputFile).toEqual({
      json: 'b.json',
    });
    expect(merge({ outputFile: { json: 'a.json' } }, { outputFile: { json: undefined } }).outputFile).toEqual({
      json: 'a.json',
    });
  });
});

describe('ignore lists add up', () => {
  test('rules from both layers, in layer order, a single kind or a list alike', () => {
    const a: LeakwatchOptions = { ignore: [{ kind: 'timer', reason: 'a' }] };
    const b: LeakwatchOptions = { ignore: [{ kind: ['socket', 'server'], stack: 'node_modules/x/**' }] };
    expect(merge(a, b).ignore).toEqual([...a.ignore!, ...b.ignore!]);
    expect(merge(b, a).ignore).toEqual([...b.ignore!, ...a.ignore!]);
    expect(merge(a, {}).ignore).toEqual(a.ignore);
    expect(merge(a, { ignore: undefined }).ignore).toEqual(a.ignore);
  });
});

describe('scalars: the later layer wins', () => {
  test.each([
    ['settleMs', 10, 20],
    ['console', true, false],
    ['stackFrames', 4, 8],
    ['reap', true, false],
    ['baseline', 'a.json', 'b.json'],
    ['scope', 'file', 'test'],
  ] as const)('%s', (key, first, second) => {
    expect(merge({ [key]: first }, { [key]: second })[key]).toBe(second);
    expect(merge({ [key]: second }, { [key]: first })[key]).toBe(first);
  });
});

test('missing layers are skipped', () => {
  expect(merge(undefined, { kinds: { timer: 'warn' } }, undefined).kinds.timer).toEqual({ action: 'warn', allow: 0 });
});

test('layers are not modified by the merge', () => {
  const a: LeakwatchOptions = {
    kinds: { timer: { allow: 1 } },
    outputFile: { json: 'a.json' },
    ignore: [{ kind: 'timer' }],
  };
  const b: LeakwatchOptions = {
    kinds: { timer: 'warn' },
    outputFile: { junit: 'b.xml' },
    ignore: [{ kind: 'socket' }],
  };
  const copies = structuredClone([a, b]);
  merge(a, b);
  expect([a, b]).toEqual(copies);
});

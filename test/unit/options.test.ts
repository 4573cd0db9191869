import { describe, expect, test } from 'vitest';
import { resolveOptions, validateOptions, DEFAULT_SETTLE_MS, DEFAULT_HEAP_THRESHOLD } from '@leakwatch/core/adapter';

describe('options', () => {
  test('defaults: resources fail, heap/globals/listeners warn', () => {
    const o = resolveOptions();
    expect(o.settleMs).toBe(DEFAULT_SETTLE_MS);
    expect(o.kinds.timer.action).toBe('fail');
    expect(o.kinds.sqlite.action).toBe('fail');
    expect(o.kinds.heap).toEqual({ action: 'warn', allow: 0, threshold: DEFAULT_HEAP_THRESHOLD });
    expect(o.kinds.global.action).toBe('warn');
    expect(o.kinds.listener.action).toBe('warn');
  });

  test('later layers win, kinds merge key by key', () => {
    const o = resolveOptions(
      { kinds: { heap: { threshold: 10 } }, settleMs: 10 },
      { kinds: { heap: 'fail', timer: 'off' } },
    );
    expect(o.kinds.heap.action).toBe('fail');
    expect(o.kinds.timer.action).toBe('off');
    expect(o.settleMs).toBe(10);
  });

  test('unknown key names the key and the fix', () => {
    expect(() => validateOptions({ settleMS: 5 }, 'x.ts')).toThrow(
      /unknown option "settleMS" in x\.ts\. Fix: remove it/,
    );
    expect(() => validateOptions({ kinds: { timers: 'fail' } }, 'x.ts')).toThrow(/unknown option "kinds\.timers"/);
  });

  test('wrong type names the key, expected and received', () => {
    expect(() => validateOptions({ settleMs: '5' }, 'x.ts')).toThrow(
      /invalid value for "settleMs": expected number, received "5".*Fix: use a whole number/,
    );
    expect(() => validateOptions({ kinds: { timer: 'error' } }, 'x.ts')).toThrow(/"kinds\.timer"/);
  });
});

describe('the environment', () => {
  test('LEAKWATCH=warn turns every enabled kind into a warning, off stays off', async () => {
    const { applyEnvironment } = await import('@leakwatch/core/adapter');
    const o = applyEnvironment(resolveOptions({ kinds: { socket: 'off' } }), { LEAKWATCH: 'warn' });
    expect(o.kinds.timer.action).toBe('warn');
    expect(o.kinds.socket.action).toBe('off');
    expect(applyEnvironment(resolveOptions(), { LEAKWATCH: 'off' }).kinds.heap.action).toBe('off');
    expect(applyEnvironment(resolveOptions(), { LEAKWATCH: 'fail' }).kinds.global.action).toBe('fail');
  });

  test('a bad LEAKWATCH value is an error naming the variable and the fix', async () => {
    const { applyEnvironment } = await import('@leakwatch/core/adapter');
    expect(() => applyEnvironment(resolveOptions(), { LEAKWATCH: 'strict' })).toThrow(
      /invalid LEAKWATCH="strict".*Fix: use off, warn or fail/,
    );
  });

  test('LEAKWATCH_REPORT_DIR places both reports, keeping configured names', async () => {
    const { applyEnvironment } = await import('@leakwatch/core/adapter');
    const o = applyEnvironment(resolveOptions({ outputFile: { json: 'r.json' } }), { LEAKWATCH_REPORT_DIR: '/tmp/x' });
    expect(o.outputFile).toEqual({ json: '/tmp/x/r.json', junit: '/tmp/x/leakwatch-junit.xml' });
  });
});

test('a glob that cannot compile in an ignore rule names the rule and the key', () => {
  expect(() =>
    validateOptions({ ignore: [{ kind: 'timer' }, { stack: 'node_modules/[pg' }] }, 'leakwatch.config.ts'),
  ).toThrow(/invalid glob in "ignore\.1\.stack" \("node_modules\/\[pg"\) in leakwatch\.config\.ts/);
});

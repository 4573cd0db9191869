import { describe, expect, test } from 'vitest';
import {
  applyEnvironment,
  resolveOptions,
  validateOptions,
  DEFAULT_SETTLE_MS,
  DEFAULT_HEAP_THRESHOLD,
} from '@leakwatch/core/adapter';

/** No variable set: what these tests expect never depends on the environment of whoever runs them. */
const NO_ENV = {};

describe('options', () => {
  test('defaults: resources fail, heap/globals/listeners warn', () => {
    const o = resolveOptions([], NO_ENV);
    expect(o.settleMs).toBe(DEFAULT_SETTLE_MS);
    expect(o.kinds.timer.action).toBe('fail');
    expect(o.kinds.sqlite.action).toBe('fail');
    expect(o.kinds.heap).toEqual({ action: 'warn', allow: 0, threshold: DEFAULT_HEAP_THRESHOLD });
    expect(o.kinds.global.action).toBe('warn');
    expect(o.kinds.listener.action).toBe('warn');
  });

  test('later layers win, kinds merge key by key', () => {
    const o = resolveOptions(
      [{ kinds: { heap: { threshold: 10 } }, settleMs: 10 }, { kinds: { heap: 'fail', timer: 'off' } }],
      NO_ENV,
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
      /invalid value for "settleMs": expected a number, got '5'.*Fix: use a whole number/,
    );
    expect(() => validateOptions({ kinds: { timer: 'error' } }, 'x.ts')).toThrow(/"kinds\.timer"/);
  });
});

describe('the environment', () => {
  test('LEAKWATCH=warn turns every enabled kind into a warning, off stays off', () => {
    const o = applyEnvironment(resolveOptions([{ kinds: { socket: 'off' } }], NO_ENV), { LEAKWATCH: 'warn' });
    expect(o.kinds.timer.action).toBe('warn');
    expect(o.kinds.socket.action).toBe('off');
    expect(applyEnvironment(resolveOptions([], NO_ENV), { LEAKWATCH: 'off' }).kinds.heap.action).toBe('off');
    expect(applyEnvironment(resolveOptions([], NO_ENV), { LEAKWATCH: 'fail' }).kinds.global.action).toBe('fail');
  });

  test('a bad LEAKWATCH value is an error naming the variable and the fix', () => {
    expect(() => applyEnvironment(resolveOptions([], NO_ENV), { LEAKWATCH: 'strict' })).toThrow(
      /invalid LEAKWATCH="strict".*Fix: use off, warn or fail/,
    );
  });

  test('LEAKWATCH_REPORT_DIR places both reports, keeping configured names', () => {
    const o = applyEnvironment(resolveOptions([{ outputFile: { json: 'r.json' } }], NO_ENV), {
      LEAKWATCH_REPORT_DIR: '/tmp/x',
    });
    expect(o.outputFile).toEqual({ json: '/tmp/x/r.json', junit: '/tmp/x/leakwatch-junit.xml' });
  });
});

test('a glob that cannot compile in an ignore rule names the rule and the key', () => {
  expect(() =>
    validateOptions({ ignore: [{ kind: 'timer' }, { stack: 'node_modules/[pg' }] }, 'leakwatch.config.ts'),
  ).toThrow(/invalid glob in "ignore\.1\.stack" \("node_modules\/\[pg"\) in leakwatch\.config\.ts/);
});

describe('the environment passed to resolveOptions', () => {
  test('CI turns reap on unless a layer sets it; LEAKWATCH applies over every layer', () => {
    expect(resolveOptions([], NO_ENV).reap).toBe(false);
    expect(resolveOptions([], { CI: 'true' }).reap).toBe(true);
    expect(resolveOptions([], { CI: 'false' }).reap).toBe(false);
    expect(resolveOptions([], { CI: '0' }).reap).toBe(false);
    expect(resolveOptions([{ reap: false }], { CI: 'true' }).reap).toBe(false);
    const o = resolveOptions([{ kinds: { timer: { action: 'fail', allow: 2 }, socket: 'off' } }], {
      LEAKWATCH: 'warn',
    });
    expect(o.kinds.timer).toEqual({ action: 'warn', allow: 2 });
    expect(o.kinds.socket.action).toBe('off');
  });
});

describe('threshold only where it means something', () => {
  test('heap takes a threshold, in object form', () => {
    expect(validateOptions({ kinds: { heap: { threshold: 1024 } } }, 'x.ts')).toEqual({
      kinds: { heap: { threshold: 1024 } },
    });
    expect(resolveOptions([{ kinds: { heap: { threshold: 1024 } } }], NO_ENV).kinds.heap.threshold).toBe(1024);
  });

  test.each(['timer', 'socket', 'server', 'child-process', 'global', 'listener', 'other'])(
    'kinds.%s.threshold is rejected with the key, what it means, what the kind accepts and the fix',
    (kind) => {
      expect(() =>
        validateOptions({ kinds: { [kind]: { action: 'warn', threshold: 5 } } }, 'leakwatch.config.ts'),
      ).toThrow(
        `leakwatch: "kinds.${kind}.threshold" has no meaning for ${kind} in leakwatch.config.ts: threshold is the heap growth in bytes per test, after a forced GC, accepted only by heap. Fix: remove it; kinds.${kind} accepts 'fail' | 'warn' | 'off' or { action, allow }.`,
      );
    },
  );

  test('only resolved heap policies carry a threshold', () => {
    const kinds = resolveOptions([], NO_ENV).kinds;
    const withThreshold = Object.entries(kinds)
      .filter(([, policy]) => policy.threshold !== undefined)
      .map(([kind]) => kind);
    expect(withThreshold).toEqual(['heap']);
  });

  test('other unknown per-kind fields are still unknown options', () => {
    expect(() => validateOptions({ kinds: { timer: { allowed: 1 } } }, 'x.ts')).toThrow(
      `leakwatch: unknown option "kinds.timer.allowed" in x.ts. Fix: remove it; kinds.timer accepts 'fail' | 'warn' | 'off' or { action, allow }.`,
    );
    expect(() => validateOptions({ kinds: { heap: { limit: 1 } } }, 'x.ts')).toThrow(
      /unknown option "kinds\.heap\.limit".*kinds\.heap accepts 'fail' \| 'warn' \| 'off' or \{ action, allow, threshold \}/,
    );
    expect(() => validateOptions({ kinds: { heap: { allow: -1 } } }, 'x.ts')).toThrow(/"kinds\.heap\.allow"/);
  });
});

describe('junit', () => {
  test('fileAttributes is off by default; a layer turns it on, a later one back off', () => {
    expect(resolveOptions([], NO_ENV).junit).toEqual({ fileAttributes: false });
    expect(resolveOptions([{ junit: { fileAttributes: true } }], NO_ENV).junit).toEqual({ fileAttributes: true });
    expect(resolveOptions([{ junit: { fileAttributes: true } }, { junit: {} }], NO_ENV).junit.fileAttributes).toBe(
      true,
    );
    expect(
      resolveOptions([{ junit: { fileAttributes: true } }, { junit: { fileAttributes: false } }], NO_ENV).junit,
    ).toEqual({ fileAttributes: false });
  });

  test('a wrong value or an unknown field names the key and the fix', () => {
    const fix =
      /Fix: use \{ fileAttributes: true \} \(file and line on each testcase, for GitLab, CircleCI and mikepenz\/action-junit-report\) or \{ fileAttributes: false \}/;
    expect(() => validateOptions({ junit: { fileAttributes: 'yes' } }, 'x.ts')).toThrow(
      /invalid value for "junit\.fileAttributes": expected true or false, got 'yes' in x\.ts\./,
    );
    expect(() => validateOptions({ junit: { fileAttributes: 'yes' } }, 'x.ts')).toThrow(fix);
    expect(() => validateOptions({ junit: 'gitlab' }, 'x.ts')).toThrow(
      /invalid value for "junit": expected an object, got 'gitlab' in x\.ts\./,
    );
    expect(() => validateOptions({ junit: { flavor: 'gitlab' } }, 'x.ts')).toThrow(/unknown option "junit\.flavor"/);
    expect(() => validateOptions({ junit: { flavor: 'gitlab' } }, 'x.ts')).toThrow(fix);
    expect(validateOptions({ junit: { fileAttributes: true } }, 'x.ts')).toEqual({ junit: { fileAttributes: true } });
  });
});

import { describe, expect, test } from 'vitest';
import { track, untrack } from '@leakwatch/core';

// Outside a leakwatch run track() records nothing, but it validates its arguments all the same: a wrong call in a
// shared helper should fail where it is written, not on the one machine where leakwatch is on.
describe('track() arguments', () => {
  test('returns the resource, so it can wrap a creation expression', () => {
    const client = { connected: true };
    expect(track(client, { name: 'sdk client', isOpen: (c) => c.connected })).toBe(client);
  });

  test.each([
    [
      { kind: 'heap' },
      /track\(resource, \{ kind \}\): "heap" is not a resource kind\. Fix: use one of timer, socket, .*other/,
    ],
    [{ kind: 'database' }, /"database" is not a resource kind/],
    [{ name: 3 }, /\{ name \}\): expected a string, got number/],
    [{ isOpen: true }, /\{ isOpen \}\): expected a function, got boolean\. Fix: pass isOpen: \(resource\) => \.\.\./],
    [{ close: 'end' }, /\{ close \}\): expected a function, got string/],
    [{ hint: {} }, /\{ hint \}\): expected a string, got object/],
    [{ isopen: () => true }, /\{ isopen \}\): unknown option "isopen"\. Fix: use only kind, name, isOpen, close, hint/],
  ])('rejects %o with the key and the fix', (options, message) => {
    expect(() => track({}, options as never)).toThrow(message);
  });

  test('rejects a resource that is not an object', () => {
    expect(() => track('client' as never)).toThrow(/track\(resource\): expected an object, got string/);
    expect(() => track(null as never)).toThrow(/got null/);
  });

  test('untrack() says whether the resource was tracked', () => {
    expect(untrack({})).toBe(false);
  });
});

'use strict';

const { TtlCache } = require('../src/cache');

describe('TtlCache', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('returns what was stored until the TTL passes', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    cache.set('a', 1);
    jest.advanceTimersByTime(999);
    expect(cache.get('a')).toBe(1);
    jest.advanceTimersByTime(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('counts hits and misses', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    cache.get('a');
    cache.set('a', 1);
    cache.get('a');
    cache.get('a');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });

  test('evicts the oldest entry beyond maxEntries', () => {
    const cache = new TtlCache({ ttlMs: 1000, maxEntries: 2 });
    cache.set(1, 'one');
    cache.set(2, 'two');
    cache.set(3, 'three');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual([undefined, 'two', 'three']);
  });

  test('getOrSet computes once and does not cache undefined', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    const compute = jest.fn(() => 'value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(compute).toHaveBeenCalledTimes(1);
    expect(cache.getOrSet(2, () => undefined)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  test('an injected clock replaces Date.now', () => {
    let now = 0;
    const cache = new TtlCache({ ttlMs: 100, now: () => now });
    cache.set('k', 'v');
    now = 99;
    expect(cache.get('k')).toBe('v');
    now = 100;
    expect(cache.get('k')).toBeUndefined();
  });
});

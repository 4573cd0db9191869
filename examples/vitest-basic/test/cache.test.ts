import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { TtlCache } from '../src/cache';

describe('TtlCache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('returns what was stored until the TTL passes', () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1000 });
    cache.set('a', 1);
    vi.advanceTimersByTime(999);
    expect(cache.get('a')).toBe(1);
    vi.advanceTimersByTime(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('counts hits and misses', () => {
    const cache = new TtlCache<string, number>({ ttlMs: 1000 });
    cache.get('a');
    cache.set('a', 1);
    cache.get('a');
    cache.get('a');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });

  test('evicts the oldest entry beyond maxEntries', () => {
    const cache = new TtlCache<number, string>({ ttlMs: 1000, maxEntries: 2 });
    cache.set(1, 'one');
    cache.set(2, 'two');
    cache.set(3, 'three');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual([undefined, 'two', 'three']);
  });

  test('getOrSet computes once and does not cache undefined', () => {
    const cache = new TtlCache<number, string | undefined>({ ttlMs: 1000 });
    const compute = vi.fn(() => 'value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(compute).toHaveBeenCalledTimes(1);
    expect(cache.getOrSet(2, () => undefined)).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});

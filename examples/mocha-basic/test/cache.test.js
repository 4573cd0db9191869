'use strict';

const { expect } = require('expect');
const { fn } = require('jest-mock');
const FakeTimers = require('@sinonjs/fake-timers');
const { TtlCache } = require('../src/cache');

describe('TtlCache', () => {
  let clock;
  beforeEach(() => {
    clock = FakeTimers.install({ now: new Date('2025-01-01T00:00:00Z') });
  });
  afterEach(() => {
    clock.uninstall();
  });

  it('returns what was stored until the TTL passes', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    cache.set('a', 1);
    clock.tick(999);
    expect(cache.get('a')).toBe(1);
    clock.tick(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('counts hits and misses', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    cache.get('a');
    cache.set('a', 1);
    cache.get('a');
    cache.get('a');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 1 });
  });

  it('evicts the oldest entry beyond maxEntries', () => {
    const cache = new TtlCache({ ttlMs: 1000, maxEntries: 2 });
    cache.set(1, 'one');
    cache.set(2, 'two');
    cache.set(3, 'three');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual([undefined, 'two', 'three']);
  });

  it('getOrSet computes once and does not cache undefined', () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    const compute = fn(() => 'value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(cache.getOrSet(1, compute)).toBe('value');
    expect(compute).toHaveBeenCalledTimes(1);
    expect(cache.getOrSet(2, () => undefined)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('an injected clock replaces Date.now', () => {
    let now = 0;
    const cache = new TtlCache({ ttlMs: 100, now: () => now });
    cache.set('k', 'v');
    now = 99;
    expect(cache.get('k')).toBe('v');
    now = 100;
    expect(cache.get('k')).toBeUndefined();
  });
});

'use strict';

/**
 * A small in-memory cache with a time-to-live and a size cap (oldest entry evicted first).
 * Expiry is checked lazily on read, so the cache owns no timers and never keeps the process alive.
 */
class TtlCache {
  /**
   * @param {{ ttlMs: number, maxEntries?: number, now?: () => number }} options
   *   `now` is the clock, injectable for tests.
   */
  constructor(options) {
    /** @type {Map<unknown, { value: unknown, expiresAt: number }>} */
    this.entries = new Map();
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
    this.hits = 0;
    this.misses = 0;
  }

  get size() {
    return this.entries.size;
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.value;
  }

  set(key, value) {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      this.entries.delete(oldest);
    }
  }

  /** Returns the cached value, or computes, stores and returns it. */
  getOrSet(key, compute) {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = compute();
    if (value !== undefined) this.set(key, value);
    return value;
  }

  delete(key) {
    return this.entries.delete(key);
  }

  clear() {
    this.entries.clear();
    this.hits = 0;
    this.misses = 0;
  }
}

module.exports = { TtlCache };

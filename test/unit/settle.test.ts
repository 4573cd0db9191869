import { afterEach, describe, expect, test, vi } from 'vitest';
import { settle } from '../../packages/core/src/settle.js';

// The test's own clock, taken before any test installs fake timers (which replace performance.now, Date and hrtime):
// a function reference taken now keeps reading the real clock.
const realNow = performance.now.bind(performance);

/** Resolves after `turns` microtasks, without letting a timer or an immediate run. */
async function microtasks(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Whether `promise` has settled within a few microtasks, i.e. without waiting for any timer or immediate. */
async function settledWithoutWaiting(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await microtasks(10);
  return done;
}

function refedTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('settle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('returns at once when nothing is pending: one poll, no timer or immediate waited for', async () => {
    const pending = vi.fn((): string[] => []);
    const result = settle(pending, 60_000);
    expect(await settledWithoutWaiting(result)).toBe(true);
    expect(await result).toEqual([]);
    expect(pending).toHaveBeenCalledTimes(1);
  });

  test('a budget of 0 (or less) returns what is pending at once, after one poll', async () => {
    for (const budget of [0, -5]) {
      const pending = vi.fn(() => ['server']);
      const result = settle(pending, budget);
      expect(await settledWithoutWaiting(result)).toBe(true);
      expect(await result).toEqual(['server']);
      expect(pending).toHaveBeenCalledTimes(1);
    }
  });

  test('polls until nothing is pending, without waiting for the budget', async () => {
    let calls = 0;
    // A handle closing over a few turns (an awaited server.close(), a killed child's exit).
    const pending = () => (++calls < 5 ? ['closing'] : []);
    const started = realNow();
    expect(await settle(pending, 60_000)).toEqual([]);
    expect(calls).toBe(5);
    // Loose: the backoff for four polls is a few ms; far less than the 60 s budget on any machine.
    expect(realNow() - started).toBeLessThan(30_000);
  });

  test('what is pending may shrink between polls: it returns once the last item is gone', async () => {
    const left = ['a', 'b', 'c'];
    const pending = vi.fn(() => {
      const now = [...left];
      left.pop();
      return now;
    });
    expect(await settle(pending, 60_000)).toEqual([]);
    expect(pending).toHaveBeenCalledTimes(4);
  });

  test('gives up after the budget with what is still pending at the last poll', async () => {
    let calls = 0;
    const pending = () => ['stuck', `poll ${++calls}`];
    const started = realNow();
    const result = await settle(pending, 30);
    const elapsed = realNow() - started;
    expect(result).toEqual(['stuck', `poll ${calls}`]);
    // Several polls (an immediate, then 1, 2, 4... ms), and the budget was spent, not much more.
    expect(calls).toBeGreaterThan(2);
    expect(elapsed).toBeGreaterThanOrEqual(29);
    expect(elapsed).toBeLessThan(10_000);
  }, 10_000);

  test('its waits are unref’ed: settling never keeps the process alive', async () => {
    let calls = 0;
    const added: number[] = [];
    const pending = () => {
      calls++;
      // After this poll, settle schedules its next wait synchronously; the microtask below runs right after.
      const before = refedTimers();
      queueMicrotask(() => added.push(refedTimers() - before));
      return calls < 4 ? ['closing'] : [];
    };
    expect(await settle(pending, 60_000)).toEqual([]);
    expect(calls).toBe(4);
    // Polls 2 and 3 were followed by a timer wait (the first by an immediate, the last by none): none was ref'ed.
    expect(added).toEqual([0, 0, 0, 0]);
  });

  test('uses the real timers and clock while fake timers are installed (a test that left them on)', async () => {
    vi.useFakeTimers();
    // The fakes are in place: global and node:timers functions, performance.now, Date.
    expect(vi.isFakeTimers()).toBe(true);
    const closesAt = realNow() + 5;
    const pending = vi.fn(() => (realNow() < closesAt ? ['closing'] : []));
    // Faked timers would never fire (nothing advances the fake clock): settle would hang until the test times out.
    expect(await settle(pending, 60_000)).toEqual([]);
    expect(pending.mock.calls.length).toBeGreaterThan(1);
  }, 10_000);

  test('the budget runs on the real clock while fake timers are installed (a frozen Date.now never ends it)', async () => {
    vi.useFakeTimers();
    const pending = vi.fn(() => ['stuck']);
    const started = realNow();
    expect(await settle(pending, 20)).toEqual(['stuck']);
    expect(realNow() - started).toBeGreaterThanOrEqual(19);
    expect(pending.mock.calls.length).toBeGreaterThan(1);
  }, 10_000);
});

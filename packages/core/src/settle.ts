/** Leakwatch's own timers, taken before any probe wraps the globals, so settling is never tracked or faked. */
const ORIGINALS_KEY = Symbol.for('leakwatch.originalTimers');
const originals: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout; setImmediate: typeof setImmediate } = ((
  globalThis as any
)[ORIGINALS_KEY] ??= {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setImmediate: globalThis.setImmediate,
});

/** First poll after one event-loop turn, then 1 ms doubling up to this cap (as goleak's retry). */
const MAX_BACKOFF_MS = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms === 0) originals.setImmediate(resolve);
    // unref: leakwatch must never be the thing that keeps a process alive.
    else originals.setTimeout(resolve, ms).unref();
  });
}

/**
 * Polls `pending()` until it reports nothing or `budgetMs` has passed. Handles that are already closing (an awaited
 * server.close(), a killed child's exit) finish in a few turns; costs nothing when nothing is open.
 */
export async function settle<T>(pending: () => T[], budgetMs: number): Promise<T[]> {
  let open = pending();
  if (open.length === 0 || budgetMs <= 0) return open;
  const deadline = Date.now() + budgetMs;
  let delay = 0;
  while (open.length > 0) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left));
    delay = delay === 0 ? 1 : Math.min(delay * 2, MAX_BACKOFF_MS);
    open = pending();
  }
  return open;
}

export { originals as originalTimers };

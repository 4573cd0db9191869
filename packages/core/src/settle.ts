import { originalTimers as originals } from './originals.js';

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
  // The real clock: a test that left fake timers on has frozen Date.now(), and the deadline would never come.
  const deadline = originals.now() + budgetMs;
  let delay = 0;
  while (open.length > 0) {
    const left = deadline - originals.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left));
    delay = delay === 0 ? 1 : Math.min(delay * 2, MAX_BACKOFF_MS);
    open = pending();
  }
  return open;
}

/** Kept for modules that take leakwatch's own timers from here; they live in originals.ts. */
export { originalTimers } from './originals.js';

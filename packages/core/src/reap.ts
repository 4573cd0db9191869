import { originalTimers } from './originals.js';
import { withFolded } from './fold.js';
import { resolvedStack, safeIsOpen, type Tracked } from './tracker.js';

/** Long enough for a child's SIGTERM grace period and SIGKILL, a worker's terminate() and a server's close(). */
export const REAP_BUDGET_MS = 3000;

/**
 * Closes the leaks a file left behind, after they were judged: the next file starts clean and the process can exit.
 * Only resources leakwatch recorded during that file are touched, never the runner's own (runner-owned stacks) and
 * never what existed before. Bounded: what has not closed within the budget is left as it is.
 */
export async function reap(records: Tracked[], budgetMs = REAP_BUDGET_MS): Promise<string[]> {
  const errors: string[] = [];
  const closing = records
    .filter((record) => !resolvedStack(record).runnerOwned)
    .map(async (record) => {
      try {
        await record.type.close(record.resource);
      } catch (error) {
        errors.push(`reap ${record.type.kind}: ${(error as Error)?.message ?? String(error)}`);
      }
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = originalTimers.setTimeout(resolve, budgetMs);
    timer.unref();
  });
  await Promise.race([Promise.all(closing), timeout]);
  if (timer) originalTimers.clearTimeout(timer);
  return errors;
}

/**
 * Owners first (a pool's end() closes its clients and sockets the way the driver expects), then whatever they held
 * that is still open: destroying a pooled client's socket under a live pool would make the driver emit an error.
 */
export async function reapWithFolded(records: Tracked[], budgetMs = REAP_BUDGET_MS): Promise<string[]> {
  // The real clock, as in settle(): fake timers left on by the file must not stretch or freeze the bound.
  const started = originalTimers.now();
  const errors = await reap(records, budgetMs);
  const owners = new Set(records);
  const rest = withFolded(records).filter((r) => !owners.has(r) && safeIsOpen(r));
  const left = budgetMs - (originalTimers.now() - started);
  if (rest.length && left > 0) errors.push(...(await reap(rest, left)));
  return errors;
}

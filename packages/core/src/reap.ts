import { KIND_INFO } from './kinds.js';
import { originalTimers } from './originals.js';
import { withFolded } from './fold.js';
import { relativePath } from './stack.js';
import { resolvedStack, safeIsOpen, type Tracked } from './tracker.js';

/** Long enough for a child's SIGTERM grace period and SIGKILL, a worker's terminate() and a server's close(). */
export const REAP_BUDGET_MS = 3000;

/**
 * The last resort for a resource whose close() threw or never finished (a server whose close is overwritten, a
 * socket stuck in a TLS shutdown): it stays as it is, but no longer keeps the process alive, so a runner that waits
 * for its event loop to empty (Jest in band, Vitest's forks) ends. A child's pipes and IPC channel are its own handles.
 */
function letGo(record: Tracked): boolean {
  if (!KIND_INFO[record.type.kind].nodeHandle) return false;
  const r = record.resource as Record<string, any>;
  const handles = [r, r.stdin, r.stdout, r.stderr, r.channel].filter((h) => h && typeof h.unref === 'function');
  for (const handle of handles) {
    try {
      handle.unref();
    } catch {
      // A handle already gone has nothing left to hold the process with.
    }
  }
  return handles.length > 0;
}

/** "server at src/app.test.ts:12:5": what a reap error names, never the resource's details (they may hold secrets). */
function describe(record: Tracked, root: string): string {
  const site = resolvedStack(record).site;
  return site
    ? `${record.type.kind} at ${relativePath(root, site.file)}:${site.line}:${site.column}`
    : `${record.type.kind} (site unknown)`;
}

/**
 * Closes the leaks a file left behind, after they were judged: the next file starts clean and the process can exit.
 * Only resources leakwatch recorded during that file are touched, never the runner's own (runner-owned stacks) and
 * never what existed before. Bounded per resource: each close() gets the budget, all at once; one that throws or has
 * not finished by then is let go (see letGo) and named in the returned errors, and the others are not waited for
 * any longer because of it.
 */
export async function reap(records: Tracked[], root: string, budgetMs = REAP_BUDGET_MS): Promise<string[]> {
  const errors: string[] = [];
  const pending = new Set<Tracked>();
  const closing = records
    .filter((record) => !resolvedStack(record).runnerOwned)
    .map(async (record) => {
      pending.add(record);
      try {
        await record.type.close(record.resource);
      } catch (error) {
        const letGone = letGo(record);
        errors.push(
          `reap ${describe(record, root)}: its close threw ${(error as Error)?.message ?? String(error)}${letGone ? "; left open, unref'ed so it does not keep the process alive" : '; left open'}`,
        );
      } finally {
        pending.delete(record);
      }
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = originalTimers.setTimeout(resolve, budgetMs);
    timer.unref();
  });
  await Promise.race([Promise.all(closing), timeout]);
  if (timer) originalTimers.clearTimeout(timer);
  for (const record of pending) {
    // Closed, only its callback never came (a close() replaced by one that drops the handle and forgets it).
    if (!safeIsOpen(record)) continue;
    const letGone = letGo(record);
    errors.push(
      `reap ${describe(record, root)}: its close did not finish within ${budgetMs} ms${letGone ? "; left open, unref'ed so it does not keep the process alive" : '; left open'}`,
    );
  }
  return errors;
}

/**
 * Owners first (a pool's end() closes its clients and sockets the way the driver expects), then whatever they held
 * that is still open: destroying a pooled client's socket under a live pool would make the driver emit an error.
 */
export async function reapWithFolded(records: Tracked[], root: string, budgetMs = REAP_BUDGET_MS): Promise<string[]> {
  // The real clock, as in settle(): fake timers left on by the file must not stretch or freeze the bound.
  const started = originalTimers.now();
  const errors = await reap(records, root, budgetMs);
  const owners = new Set(records);
  const rest = withFolded(records).filter((r) => !owners.has(r) && safeIsOpen(r));
  const left = budgetMs - (originalTimers.now() - started);
  if (rest.length && left > 0) errors.push(...(await reap(rest, root, left)));
  return errors;
}

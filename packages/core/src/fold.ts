import { KIND_INFO, type Kind } from './kinds.js';
import { resolvedStack, type Tracked } from './tracker.js';

/**
 * A database pool holds sockets, idle timers and clients of its own: reporting each would bury the one fix (end the
 * pool) under a dozen findings. Records owned by an open owner are moved into `owner.folded` and left out of the
 * returned list. Ownership is known two ways: the owner names its handles (`owns`, exact), or the handle was made by
 * the owner's driver code (`packages` matched in its creation stack), which catches what a driver makes after an
 * await (a reconnect timer, a monitor socket); such a handle goes to the latest owner of that driver made before it.
 * `context`: all open records of the file, when `records` is a subset (a strict-scope test's own), so a socket a
 * test opened through a pool made in beforeAll is still the pool's.
 */
export function foldOwned(records: Tracked[], context: Tracked[] = records): Tracked[] {
  const owners = context.filter((r) => r.type.owns || r.type.packages);
  if (owners.length === 0) return records;
  for (const owner of owners) owner.folded = [];
  const ownerOf = new Map<unknown, Tracked>();
  for (const owner of owners) {
    try {
      for (const handle of owner.type.owns?.(owner.resource) ?? []) {
        if (handle && handle !== owner.resource && !ownerOf.has(handle)) ownerOf.set(handle, owner);
      }
    } catch {
      // A driver whose internals changed shape: fall back to the stack rule below.
    }
  }
  const order = new Map(context.map((r, i) => [r, i]));
  const kept: Tracked[] = [];
  for (const record of records) {
    const owner = ownerOf.get(record.resource) ?? ownerByStack(record, owners, order);
    if (owner && owner !== record) owner.folded!.push(record);
    else kept.push(record);
  }
  return kept;
}

function ownerByStack(record: Tracked, owners: Tracked[], order: Map<Tracked, number>): Tracked | undefined {
  const at = order.get(record) ?? Infinity;
  let found: Tracked | undefined;
  let library: string[] | undefined;
  for (const owner of owners) {
    const re = owner.type.packages;
    // Only an owner made before the record: two owners can then never fold into each other.
    if (!re || (order.get(owner) ?? Infinity) >= at) continue;
    library ??= resolvedStack(record).frames.map((f) => f.file);
    if (library.some((file) => re.test(file)) && (!found || order.get(owner)! > order.get(found)!)) found = owner;
  }
  return found;
}

/** "2 sockets, 1 timer": what an owner held when it was judged, counted through nested owners (pool → client → socket). */
export function describeFolded(record: Tracked): string | undefined {
  const counts = new Map<Kind, number>();
  const visit = (r: Tracked) => {
    for (const child of r.folded ?? []) {
      counts.set(child.type.kind, (counts.get(child.type.kind) ?? 0) + 1);
      visit(child);
    }
  };
  visit(record);
  if (counts.size === 0) return undefined;
  return [...counts].map(([kind, n]) => `${n} ${n === 1 ? KIND_INFO[kind].label : KIND_INFO[kind].plural}`).join(', ');
}

/** Every folded record under `records`, for reaping and forgetting them along with their owners. */
export function withFolded(records: Tracked[]): Tracked[] {
  const all: Tracked[] = [];
  const visit = (r: Tracked) => {
    all.push(r);
    for (const child of r.folded ?? []) visit(child);
  };
  records.forEach(visit);
  return all;
}

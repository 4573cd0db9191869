import { describe, expect, test } from 'vitest';
import { describeFolded, foldOwned, withFolded } from '../../packages/core/src/fold.js';
import type { Kind } from '../../packages/core/src/kinds.js';
import type { ResourceType, Tracked } from '../../packages/core/src/tracker.js';

const USER = '/project/test/db.test.ts';
const PG = '/project/node_modules/pg/lib/client.js';
const PG_POOL = '/project/node_modules/pg-pool/index.js';
const PG_RE = /[\\/]node_modules[\\/](?:pg|pg-protocol)[\\/]/;

function type(kind: Kind, extra: Partial<ResourceType> = {}): ResourceType {
  return { kind, isOpen: () => true, details: () => ({}), close: () => {}, ...extra };
}

const timerType = type('timer');
const socketType = type('socket');

/**
 * A record as the tracker makes it, its stack already resolved (so no real stack is parsed): `files` are its frames,
 * the user's first. `resource` is a fresh object unless given.
 */
function record(t: ResourceType, files: string[] = [USER], resource: object = {}): Tracked {
  const frames = files.map((file, i) => ({ file, line: 10 + i, column: 3 }));
  return {
    type: t,
    resource,
    stack: {},
    test: null,
    concurrent: false,
    file: USER,
    resolved: { site: frames[0] ?? null, runnerOwned: false, frames },
  };
}

/** An owner that names its handles: the resources of `handles`, read when foldOwned asks. */
function pool(handles: () => unknown[], extra: Partial<ResourceType> = {}): Tracked {
  return record(type('db-connection', { owns: () => handles(), ...extra }));
}

describe('foldOwned: ownership by owns (exact handles)', () => {
  test("an owner's named handles are folded into it, whatever their stacks; others are kept", () => {
    const socket = record(socketType);
    const timer = record(timerType);
    const stranger = record(timerType);
    const owner = pool(() => [socket.resource, timer.resource]);
    // Handles made before their owner still belong to it: owns is exact, no order rule applies.
    const records = [socket, owner, timer, stranger];
    expect(foldOwned(records)).toEqual([owner, stranger]);
    expect(owner.folded).toEqual([socket, timer]);
  });

  test('an owner naming itself, nothing or undefined handles keeps itself and folds nothing', () => {
    const owner = record(type('db-connection', { owns: (r) => [r, undefined, null] }));
    const timer = record(timerType);
    expect(foldOwned([owner, timer])).toEqual([owner, timer]);
    expect(owner.folded).toEqual([]);
  });

  test('an owner naming itself is still folded into an outer owner that names it', () => {
    const inner = record(type('db-connection', { owns: (r) => [r] }));
    const outer = pool(() => [inner.resource]);
    expect(foldOwned([inner, outer])).toEqual([outer]);
    expect(outer.folded).toEqual([inner]);
  });

  test('a handle named by two owners goes to the first owner only', () => {
    const socket = record(socketType);
    const first = pool(() => [socket.resource]);
    const second = pool(() => [socket.resource]);
    expect(foldOwned([first, second, socket])).toEqual([first, second]);
    expect(first.folded).toEqual([socket]);
    expect(second.folded).toEqual([]);
  });

  test('no owner among the records: the same list comes back untouched', () => {
    const records = [record(timerType), record(socketType)];
    expect(foldOwned(records)).toBe(records);
    expect(records.every((r) => r.folded === undefined)).toBe(true);
  });

  test('an owns that throws (a driver whose internals changed) falls back to the stack rule', () => {
    const client = record(
      type('db-connection', {
        owns: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'stream')");
        },
        packages: PG_RE,
      }),
    );
    const driverSocket = record(socketType, [USER, PG]);
    const userTimer = record(timerType);
    expect(foldOwned([client, driverSocket, userTimer])).toEqual([client, userTimer]);
    expect(client.folded).toEqual([driverSocket]);
  });

  test("one owner's throwing owns does not stop another's", () => {
    const socket = record(socketType);
    const broken = pool(() => {
      throw new Error('changed shape');
    });
    const working = pool(() => [socket.resource]);
    expect(foldOwned([broken, working, socket])).toEqual([broken, working]);
    expect(working.folded).toEqual([socket]);
  });
});

describe('foldOwned: ownership by the driver in the creation stack (packages)', () => {
  const client = () => record(type('db-connection', { packages: PG_RE }));

  test("a handle made by the driver's code after the owner goes to the latest such owner made before it", () => {
    const a = client();
    const socketOfA = record(socketType, [USER, PG]);
    const b = client();
    const timerOfB = record(timerType, [PG, USER]);
    const socketOfB = record(socketType, [USER, PG]);
    const userSocket = record(socketType, [USER]);
    expect(foldOwned([a, socketOfA, b, timerOfB, socketOfB, userSocket])).toEqual([a, b, userSocket]);
    expect(a.folded).toEqual([socketOfA]);
    expect(b.folded).toEqual([timerOfB, socketOfB]);
  });

  test('a handle made before every owner of its driver is never folded into a later one', () => {
    const early = record(socketType, [USER, PG]);
    const owner = client();
    expect(foldOwned([early, owner])).toEqual([early, owner]);
    expect(owner.folded).toEqual([]);
  });

  test("frames of another driver do not make a handle this owner's", () => {
    const owner = client();
    const other = record(socketType, [USER, '/project/node_modules/mysql2/lib/connection.js']);
    // pg-pool is not pg: the regex is anchored on the package folder.
    const pooled = record(socketType, [USER, PG_POOL]);
    expect(foldOwned([owner, other, pooled])).toEqual([owner, other, pooled]);
  });

  test('two owners of one driver never fold into each other: the later nests under the earlier, never the reverse', () => {
    const first = client();
    // Made by pg's code after `first` (a client a pool opened): under the stack rule it is `first`'s.
    const second = record(type('db-connection', { packages: PG_RE }), [USER, PG]);
    const socket = record(socketType, [USER, PG]);
    expect(foldOwned([first, second, socket])).toEqual([first]);
    expect(first.folded).toEqual([second]);
    // The socket, made after both, is the latest owner's: `second`, still counted under `first`.
    expect(second.folded).toEqual([socket]);
    expect(withFolded([first])).toEqual([first, second, socket]);
  });
});

describe('foldOwned: context (a strict-scope test judges a subset of the open records)', () => {
  test("a test's socket opened through a pool made in beforeAll is folded into that pool, which is not in the subset", () => {
    const testSocket = record(socketType);
    const testTimer = record(timerType);
    const beforeAllPool = pool(() => [testSocket.resource]);
    const context = [beforeAllPool, testSocket, testTimer];
    expect(foldOwned([testSocket, testTimer], context)).toEqual([testTimer]);
    expect(beforeAllPool.folded).toEqual([testSocket]);
  });

  test('the stack rule orders by the context: a driver handle of the test goes to the owner made before it', () => {
    const hookClient = record(type('db-connection', { packages: PG_RE }));
    const driverTimer = record(timerType, [PG, USER]);
    const context = [hookClient, driverTimer];
    expect(foldOwned([driverTimer], context)).toEqual([]);
    expect(hookClient.folded).toEqual([driverTimer]);
  });

  test('without the context, the same subset keeps its handles (no owner in sight)', () => {
    const testSocket = record(socketType);
    const beforeAllPool = pool(() => [testSocket.resource]);
    expect(foldOwned([testSocket])).toEqual([testSocket]);
    expect(beforeAllPool.folded).toBeUndefined();
  });

  test('each judgement starts afresh: folded lists of an earlier call are replaced, not appended to', () => {
    const socket = record(socketType);
    const owner = pool(() => [socket.resource]);
    foldOwned([owner, socket]);
    foldOwned([owner, socket]);
    expect(owner.folded).toEqual([socket]);
  });
});

describe('describeFolded and withFolded', () => {
  test('counts what an owner held through nested owners, plural or singular by count', () => {
    const socket1 = record(socketType);
    const socket2 = record(socketType);
    const timer = record(timerType);
    const client = pool(() => [socket2.resource, timer.resource]);
    const owner = pool(() => [socket1.resource, client.resource]);
    const kept = foldOwned([owner, socket1, client, socket2, timer]);
    expect(kept).toEqual([owner]);
    expect(describeFolded(owner)).toBe('2 sockets, 1 database connection, 1 timer');
    expect(describeFolded(client)).toBe('1 socket, 1 timer');
    expect(withFolded(kept)).toHaveLength(5);
    expect(new Set(withFolded(kept))).toEqual(new Set([owner, socket1, client, socket2, timer]));
  });

  test('an owner that held nothing, and a plain record, describe nothing', () => {
    const owner = pool(() => []);
    foldOwned([owner]);
    expect(describeFolded(owner)).toBeUndefined();
    expect(describeFolded(record(timerType))).toBeUndefined();
  });

  test('withFolded lists each record before what it holds, and plain records as they are', () => {
    const socket = record(socketType);
    const owner = pool(() => [socket.resource]);
    const timer = record(timerType);
    const kept = foldOwned([owner, socket, timer]);
    expect(withFolded(kept)).toEqual([owner, socket, timer]);
    expect(withFolded([])).toEqual([]);
  });
});

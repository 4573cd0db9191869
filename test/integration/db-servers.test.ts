/**
 * The private database servers of db-servers.ts: all three start side by side, speak their protocol to the npm
 * drivers with the advertised credentials, and leave nothing behind once stopped (no process, no open port, no
 * directory). On a machine without a server's binaries its test is skipped, with the reason in its title.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect, dbServerSkipReason, startDbServer, type DbKind, type DbServer } from './db-servers';

const require = createRequire(import.meta.url);
/** The little of `pg` used here (the package ships no types and @types/pg is not installed). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
const pg = require('pg') as {
  Client: new (
    config:
      | string
      | {
          connectionString?: string;
          host?: string;
          port?: number;
          user?: string;
          password?: string;
          database?: string;
        },
  ) => PgClient;
};
const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
const Redis = require('ioredis') as typeof import('ioredis').default;

const KINDS: DbKind[] = ['postgres', 'redis', 'mysql'];

interface Started {
  server?: DbServer;
  error?: unknown;
  startMs: number;
}

const started = new Map<DbKind, Started>();
const timings: string[] = [];

beforeAll(async () => {
  await Promise.all(
    KINDS.filter((k) => !dbServerSkipReason(k)).map(async (kind) => {
      const t0 = performance.now();
      try {
        const server = await startDbServer(kind);
        started.set(kind, { server, startMs: performance.now() - t0 });
      } catch (error) {
        started.set(kind, { error, startMs: performance.now() - t0 });
      }
    }),
  );
});

afterAll(async () => {
  await Promise.all([...started.values()].map((s) => s.server?.stop()));
  if (timings.length) console.log(`database servers (started in parallel):\n  ${timings.join('\n  ')}`);
});

/** Pids of processes whose working directory is inside `dir` (Linux), e.g. a PostgreSQL backend left running. */
function processesIn(dir: string): number[] {
  if (!fs.existsSync('/proc')) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const exchanges: Record<DbKind, (s: DbServer) => Promise<void>> = {
  async postgres(s) {
    const client = new pg.Client({ connectionString: s.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT 1 AS one, current_user AS who, current_database() AS db');
      expect(rows).toEqual([{ one: 1, who: s.user, db: s.database }]);
    } finally {
      await client.end();
    }
    // Password login is real: a wrong password is refused.
    const wrong = new pg.Client({ host: s.host, port: s.port, user: s.user, password: 'wrong', database: s.database });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    await wrong.end().catch(() => {});
  },
  async redis(s) {
    const client = new Redis(s.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
      await client.set('leakwatch', 'ok');
      expect(await client.get('leakwatch')).toBe('ok');
    } finally {
      await client.quit();
    }
  },
  async mysql(s) {
    const conn = await mysql.createConnection(s.url);
    try {
      const [rows] = await conn.query('SELECT 1 AS one, CURRENT_USER() AS who, DATABASE() AS db');
      expect(rows).toEqual([{ one: 1, who: expect.stringMatching(new RegExp(`^${s.user}@`)), db: s.database }]);
    } finally {
      await conn.end();
    }
    await expect(
      mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: 'wrong', database: s.database }),
    ).rejects.toThrow(/Access denied/);
  },
};

describe('private database servers', () => {
  for (const kind of KINDS) {
    const reason = dbServerSkipReason(kind);
    it.skipIf(reason !== undefined)(
      `${kind}${reason ? ` (skipped: ${reason})` : ''}: starts, answers a real client, stops without a trace`,
      async () => {
        const s = started.get(kind)!;
        if (s.error) throw s.error;
        const server = s.server!;
        expect(server.host).toBe('127.0.0.1');
        expect(server.url).toContain(`127.0.0.1:${server.port}`);
        expect(fs.existsSync(server.dir)).toBe(true);
        expect(await canConnect(server.port)).toBe(true);

        await exchanges[kind](server);

        const t0 = performance.now();
        await server.stop();
        const stopMs = performance.now() - t0;
        timings.push(`${kind}: start ${(s.startMs / 1000).toFixed(2)} s, stop ${(stopMs / 1000).toFixed(2)} s`);

        expect(isAlive(server.pid), `${kind} pid ${server.pid} still running`).toBe(false);
        expect(await canConnect(server.port), `port ${server.port} still open`).toBe(false);
        expect(fs.existsSync(server.dir), `${server.dir} still there`).toBe(false);
        expect(processesIn(server.dir), `processes still in ${server.dir}`).toEqual([]);
        await server.stop(); // idempotent
      },
    );
  }
});

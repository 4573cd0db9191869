import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dbServerSkipReason, startMysql, startPostgres, startRedis, type DbServer } from './db-servers';
import { shape } from './helpers';
import { expectDbLeak, expectOnlyDbLeaks, type ExpectedDb } from './db-expect';
import { reportOf } from './three-runners';
import { cleanup, runVitest, type RunResult } from './run';

/**
 * Database drivers imported as ES modules under Vitest: `import pg from 'pg'`, `import { Pool } from 'pg'`,
 * `import mysql from 'mysql2/promise'`, `import { createClient } from '@libsql/client'`..., from .test.mjs/.test.ts
 * files and from a plain .mjs module the test imports (lib/drivers.mjs). Vitest externalizes the drivers, so Node's
 * ESM loader loads them, not `require`. Each driver leaks once (db-esm-leaks) and has a clean look-alike that closes it
 * (db-esm-clean). Run with Vitest's default isolation (a process per file) and with `--no-isolate` (one process: a
 * driver first imported by an earlier file must still be seen in the next).
 */
const missing = (['postgres', 'redis', 'mysql'] as const).map(dbServerSkipReason).filter(Boolean);

const direct = (
  file: string,
  test: string[],
  marker: string,
  details: Record<string, unknown>,
  kind = 'db-connection',
): ExpectedDb => ({
  label: `${file}: ${test.join(' > ')}`,
  kind,
  file,
  test,
  siteFile: file,
  marker,
  details,
});

const viaModule = (
  test: string,
  marker: string,
  details: Record<string, unknown>,
  kind = 'db-connection',
): ExpectedDb => ({
  label: `lib/drivers.mjs: ${test}`,
  kind,
  file: 'via-module.test.mjs',
  test: ['through a module', test],
  siteFile: 'lib/drivers.mjs',
  marker,
  details,
});

const EXPECTED: ExpectedDb[] = [
  direct('pg.test.mjs', ['pg', 'default import: client left connected'], 'pg-client', {
    driver: 'pg',
    client: 'Client',
    holds: '1 socket',
  }),
  direct('pg.test.mjs', ['pg', 'named import: pool with idle clients'], 'pg-pool', {
    driver: 'pg',
    client: 'Pool',
    clients: 2,
    holds: expect.stringMatching(/2 database connections, 2 sockets, 2 timers/),
  }),
  direct('mysql.test.mjs', ['mysql2', 'callback connection never ended'], 'mysql-connection', {
    driver: 'mysql2',
    client: 'Connection',
    holds: '1 socket',
  }),
  direct('mysql.test.mjs', ['mysql2', 'promise pool never ended'], 'mysql-pool', {
    driver: 'mysql2',
    client: 'Pool',
    connections: 2,
  }),
  direct('mysql.test.mjs', ['mysql2', 'named import: promise connection never ended'], 'mysql-promise-connection', {
    driver: 'mysql2',
    client: 'Connection',
    holds: '1 socket',
  }),
  direct('redis.test.mjs', ['redis', 'ioredis client never quit'], 'ioredis', {
    driver: 'ioredis',
    status: 'ready',
    holds: '1 socket',
  }),
  direct('redis.test.mjs', ['redis', 'redis client never closed'], 'node-redis', {
    driver: 'redis',
    holds: '1 socket',
  }),
  direct('redis.test.mjs', ['redis', '@redis/client client never closed'], 'redis-client', {
    driver: 'redis',
    holds: '1 socket',
  }),
  direct('mongodb.test.mjs', ['mongodb', 'client never closed'], 'mongodb', {
    driver: 'mongodb',
    hosts: '127.0.0.1:9',
    holds: expect.stringMatching(/timer/),
  }),
  direct('sqlite.test.ts', ['sqlite drivers', 'sqlite3 database never closed'], 'sqlite3', {
    driver: 'sqlite3',
    name: ':memory:',
  }),
  direct(
    'sqlite.test.ts',
    ['sqlite drivers', 'better-sqlite3 database never closed'],
    'better-sqlite3',
    { driver: 'better-sqlite3' },
    'sqlite',
  ),
  // libsql's export is a class: the one Node's ESM loader snapshots before any require hook could replace it.
  direct('sqlite.test.ts', ['sqlite drivers', 'libsql database never closed'], 'libsql', { driver: 'libsql' }),
  direct('sqlite.test.ts', ['sqlite drivers', '@libsql/client client never closed'], 'libsql-client', {
    driver: 'libsql',
  }),
  viaModule('pg client', 'module-pg-client', { driver: 'pg', client: 'Client' }),
  viaModule('pg pool', 'module-pg-pool', { driver: 'pg', client: 'Pool', clients: 1 }),
  viaModule('mysql2 connection', 'module-mysql-connection', { driver: 'mysql2', client: 'Connection' }),
  viaModule('mysql2/promise pool', 'module-mysql-pool', { driver: 'mysql2', client: 'Pool', connections: 1 }),
  viaModule('ioredis client', 'module-ioredis', { driver: 'ioredis' }),
  viaModule('redis client', 'module-node-redis', { driver: 'redis' }),
  viaModule('mongodb client', 'module-mongodb', { driver: 'mongodb' }),
  viaModule('sqlite3 database', 'module-sqlite3', { driver: 'sqlite3' }),
  viaModule('better-sqlite3 database', 'module-better-sqlite3', { driver: 'better-sqlite3' }, 'sqlite'),
  viaModule('libsql database', 'module-libsql', { driver: 'libsql' }),
  viaModule('@libsql/client client', 'module-libsql-client', { driver: 'libsql' }),
];

const MODES = {
  isolated: ['--pool=forks'],
  'no-isolate': ['--pool=forks', '--no-isolate', '--maxWorkers=1'],
};
type Mode = keyof typeof MODES;
const MODE_NAMES = Object.keys(MODES) as Mode[];

describe.skipIf(missing.length > 0)(
  `database drivers imported as ES modules${missing.length ? ` (skipped: ${missing.join('; ')})` : ''}`,
  () => {
    const servers: DbServer[] = [];
    const leaks: Partial<Record<Mode, RunResult>> = {};
    const clean: Partial<Record<Mode, RunResult>> = {};

    beforeAll(async () => {
      const [pg, redis, mysql] = await Promise.all([startPostgres(), startRedis(), startMysql()]);
      servers.push(pg, redis, mysql);
      const env = { LW_PG_URL: pg.url, LW_REDIS_URL: redis.url, LW_MYSQL_URL: mysql.url };
      for (const mode of MODE_NAMES) {
        const [l, c] = await Promise.all([
          runVitest('db-esm-leaks', MODES[mode], { env }),
          runVitest('db-esm-clean', MODES[mode], { env }),
        ]);
        leaks[mode] = l;
        clean[mode] = c;
      }
    }, 600_000);

    afterAll(async () => {
      [...Object.values(leaks), ...Object.values(clean)].forEach(cleanup);
      await Promise.all(servers.map((s) => s.stop()));
    });

    describe.each(MODE_NAMES)('vitest, %s', (mode) => {
      test.each(EXPECTED.map((e) => [e.label, e] as const))(
        'leak: %s is one finding at its line, with the driver',
        (_label, expected) => {
          expectDbLeak('db-esm-leaks', reportOf(leaks[mode]), expected);
        },
      );

      test('leak run: nothing but the connections, valid reports, the run fails', () => {
        expectOnlyDbLeaks(leaks[mode]!, reportOf(leaks[mode]), EXPECTED);
      });

      test('clean look-alikes: the same imports, every connection closed: zero findings', () => {
        const run = clean[mode]!;
        const report = reportOf(run);
        expect(report.findings.map(shape)).toEqual([]);
        expect(report.errors).toEqual([]);
        expect(run.code, run.output).toBe(0);
      });
    });
  },
);

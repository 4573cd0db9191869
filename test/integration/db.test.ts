import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dbServerSkipReason, startMysql, startPostgres, startRedis, type DbServer } from './db-servers';
import { shape } from './helpers';
import { expectDbLeak, expectOnlyDbLeaks, type ExpectedDb } from './db-expect';
import { reportOf } from './three-runners';
import { cleanup, runJest, runVitest, type Finding, type RunResult } from './run';

/**
 * Database drivers against real servers: private PostgreSQL, Redis and MariaDB on 127.0.0.1 (db-servers.ts), SQLite
 * drivers in memory, and a MongoDB client with no server to reach. Each driver has a leaking test (db-leaks) and its
 * clean look-alikes (db-clean), and both fixtures run under Vitest, Jest 30 and Jest 29 with the same expectations.
 */
const missing = (['postgres', 'redis', 'mysql'] as const).map(dbServerSkipReason).filter(Boolean);

const RUNNERS = {
  vitest: (fixture: string, env: Record<string, string>) => runVitest(fixture, ['--pool=forks'], { env }),
  jest30: (fixture: string, env: Record<string, string>) =>
    runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest30' }),
  jest29: (fixture: string, env: Record<string, string>) =>
    runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest29' }),
};
type Runner = keyof typeof RUNNERS;
const RUNNER_NAMES = Object.keys(RUNNERS) as Runner[];

const db = (
  label: string,
  file: string,
  test: string[] | null,
  marker: string,
  details: Record<string, unknown>,
  kind: Finding['kind'] = 'db-connection',
): ExpectedDb => ({
  label,
  kind,
  file,
  test,
  marker,
  details,
});

const EXPECTED: ExpectedDb[] = [
  db('pg Client', 'pg.test.js', ['pg', 'client left connected'], 'pg-client', {
    driver: 'pg',
    client: 'Client',
    holds: '1 socket',
  }),
  // Three pooled clients, their sockets and idle timers: one finding for the pool.
  db('pg Pool with idle clients', 'pg.test.js', ['pg', 'pool with idle clients'], 'pg-pool', {
    driver: 'pg',
    client: 'Pool',
    clients: 3,
    idle: 3,
    holds: expect.stringMatching(/3 database connections, 3 sockets, 3 timers/),
  }),
  db('pg Pool made at module scope, first used by a later test', 'pg.test.js', null, 'pg-pool-late', {
    driver: 'pg',
    client: 'Pool',
    clients: 1,
  }),
  db('ioredis client', 'redis.test.js', ['redis', 'ioredis client never quit'], 'ioredis', {
    driver: 'ioredis',
    status: 'ready',
    holds: '1 socket',
  }),
  db('node-redis client', 'redis.test.js', ['redis', 'node-redis client never closed'], 'node-redis', {
    driver: 'redis',
    holds: '1 socket',
  }),
  db('mysql2 connection', 'mysql.test.js', ['mysql2', 'callback connection never ended'], 'mysql-connection', {
    driver: 'mysql2',
    client: 'Connection',
    holds: '1 socket',
  }),
  db('mysql2/promise pool', 'mysql.test.js', ['mysql2', 'promise pool never ended'], 'mysql-pool', {
    driver: 'mysql2',
    client: 'Pool',
    connections: 2,
    holds: expect.stringContaining('2 sockets'),
  }),
  db(
    'mysql2/promise connection',
    'mysql.test.js',
    ['mysql2', 'promise connection never ended'],
    'mysql-promise-connection',
    {
      driver: 'mysql2',
      client: 'Connection',
      holds: '1 socket',
    },
  ),
  db('sqlite3 Database', 'sqlite.test.js', ['sqlite drivers', 'sqlite3 database never closed'], 'sqlite3', {
    driver: 'sqlite3',
    name: ':memory:',
  }),
  db('@libsql/client (libsql Database)', 'sqlite.test.js', ['sqlite drivers', 'libsql client never closed'], 'libsql', {
    driver: 'libsql',
  }),
  db('MongoClient still connecting', 'mongodb.test.js', ['mongodb', 'client never closed'], 'mongodb', {
    driver: 'mongodb',
    hosts: '127.0.0.1:9',
    holds: expect.stringMatching(/timer/),
  }),
  db(
    'a resource registered with track()',
    'custom.test.js',
    ['track()', 'consumer never stopped'],
    'custom',
    { name: 'queue consumer' },
    'other',
  ),
];

describe.skipIf(missing.length > 0)(
  `database drivers${missing.length ? ` (skipped: ${missing.join('; ')})` : ''}`,
  () => {
    const servers: DbServer[] = [];
    let env: Record<string, string> = {};
    const leaks: Partial<Record<Runner, RunResult>> = {};
    const clean: Partial<Record<Runner, RunResult>> = {};
    let strict: RunResult | undefined;

    beforeAll(async () => {
      const [pg, redis, mysql] = await Promise.all([startPostgres(), startRedis(), startMysql()]);
      servers.push(pg, redis, mysql);
      env = { LW_PG_URL: pg.url, LW_REDIS_URL: redis.url, LW_MYSQL_URL: mysql.url };
      // Two runs at a time: each run has two workers of its own on a 2-core machine.
      for (const runner of RUNNER_NAMES) {
        const [l, c] = await Promise.all([RUNNERS[runner]('db-leaks', env), RUNNERS[runner]('db-clean', env)]);
        leaks[runner] = l;
        clean[runner] = c;
      }
      strict = await RUNNERS.vitest('db-clean', { ...env, LW_SCOPE: 'test' });
    }, 600_000);

    afterAll(async () => {
      [...Object.values(leaks), ...Object.values(clean), strict].forEach(cleanup);
      await Promise.all(servers.map((s) => s.stop()));
    });

    describe.each(RUNNER_NAMES)('%s', (runner) => {
      test.each(EXPECTED.map((e) => [e.label, e] as const))(
        'leak: %s is one finding at its line, with the driver',
        (_label, expected) => {
          expectDbLeak('db-leaks', reportOf(leaks[runner]), expected);
        },
      );

      test('leak run: nothing but the connections (sockets and timers folded into them), valid reports, the run fails', () => {
        expectOnlyDbLeaks(leaks[runner]!, reportOf(leaks[runner]), EXPECTED);
      });

      test('clean look-alikes: closed in the test, in afterAll, pool ended, client quit: zero findings', () => {
        const run = clean[runner]!;
        const report = reportOf(run);
        expect(report.findings.map(shape)).toEqual([]);
        expect(report.errors).toEqual([]);
        expect(run.code, run.output).toBe(0);
      });
    });

    test("strict scope: sockets a test opens through a pool made in beforeAll are the pool's, not the test's leak", () => {
      expect(strict!.report?.findings.map(shape), strict!.output).toEqual([]);
      expect(strict!.report?.errors).toEqual([]);
      expect(strict!.code, strict!.output).toBe(0);
    });
  },
);

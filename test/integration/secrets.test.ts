import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  markerLine,
  shape,
} from './helpers';
import { cleanup, runJest, runVitest, type Finding, type Report, type RunResult } from './run';

/**
 * A secret planted in every kind of resource that can carry user data (a child's arguments through spawn, exec and
 * fork; database URLs of pg, mysql2, ioredis, node-redis and mongodb; a track() name) must appear in no output of the
 * run: the runner's console (leakwatch's table and the LeakError the runner prints), the JSON and JUnit reports, the
 * GitHub annotations and the step summary. The same CommonJS fixture runs under Vitest, Jest 30 and Jest 29, by
 * default (a child is its command and argument count) and with `childArguments: 'masked'` (arguments listed, secrets
 * masked); its clean look-alike (`secrets-clean`, everything closed) reports nothing.
 */
const SECRET = 'lwPlanted-9xQ2vR7kT4';
const FIXTURE = 'secrets';
const CLEAN = 'secrets-clean';

// Accepts connections and never answers: the pg, mysql2 and Redis clients stay connecting, so they are open. What
// they send is read and dropped, so a client that ends its side (the clean fixture's) sees the connection close.
const sockets = new Set<net.Socket>();
const silent = net.createServer((socket) => {
  sockets.add(socket);
  socket.resume();
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
});
let port = 0;

const RUNNERS = {
  vitest: (fixture: string, env: Env) => runVitest(fixture, ['--pool=forks'], { env }),
  jest30: (fixture: string, env: Env) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest30' }),
  jest29: (fixture: string, env: Env) => runJest(fixture, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest29' }),
};
type Runner = keyof typeof RUNNERS;
type Env = (outDir: string) => Record<string, string>;

const env =
  (extra: Record<string, string> = {}): Env =>
  (outDir) => ({
    LW_PLANTED_SECRET: SECRET,
    LW_SILENT_PORT: String(port),
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: path.join(outDir, 'step-summary.md'),
    ...extra,
  });

const runs: Record<string, RunResult> = {};
const key = (fixture: string, runner: Runner, mode: string) => `${fixture}/${runner}/${mode}`;

beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as net.AddressInfo).port;
  // Three runs at a time: one fixture under the three runners, then the next.
  const plan: Array<[string, Runner[], string, Record<string, string>]> = [
    [FIXTURE, ['vitest', 'jest30', 'jest29'], 'hidden', {}],
    [FIXTURE, ['vitest', 'jest30'], 'masked', { LW_CHILD_ARGUMENTS: 'masked' }],
    [CLEAN, ['vitest', 'jest30', 'jest29'], 'masked', { LW_CHILD_ARGUMENTS: 'masked' }],
  ];
  for (const [fixture, runners, mode, extra] of plan) {
    await Promise.all(
      runners.map(async (runner) => {
        runs[key(fixture, runner, mode)] = await RUNNERS[runner](fixture, env(extra));
      }),
    );
  }
}, 600_000);

afterAll(async () => {
  for (const run of Object.values(runs)) cleanup(run);
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

/** Every output of a run, by name: what a CI job would print, upload or show on the pull request. */
function outputs(run: RunResult): Record<string, string> {
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  return {
    'stdout and stderr (console table, LeakError, annotations)': run.output,
    'JSON report': read(run.jsonPath),
    'JUnit report': read(run.junitPath),
    'GitHub step summary': read(path.join(run.outDir, 'step-summary.md')),
  };
}

function expectNoSecret(run: RunResult): void {
  for (const [name, text] of Object.entries(outputs(run))) {
    const at = text.indexOf(SECRET);
    expect(at, `${name} shows the secret: ...${text.slice(Math.max(0, at - 200), at + 60)}`).toBe(-1);
  }
}

const line = (file: string, marker: string) => markerLine(FIXTURE, file, marker);

/** The nine leaks, each one finding at its line: what every leaking run reports, and nothing else. */
const EXPECTED = [
  `fail file child-process children.test.js [children > spawn with a token flag] children.test.js:${line('children.test.js', 'spawn')} x1`,
  `fail file child-process children.test.js [children > exec with a connection string] children.test.js:${line('children.test.js', 'exec')} x1`,
  `fail file child-process children.test.js [children > fork with a password argument] children.test.js:${line('children.test.js', 'fork')} x1`,
  `fail file db-connection db.test.js [databases > pg client from a connection string] db.test.js:${line('db.test.js', 'pg')} x1`,
  `fail file db-connection db.test.js [databases > mysql2 connection from a URI] db.test.js:${line('db.test.js', 'mysql2')} x1`,
  `fail file db-connection db.test.js [databases > ioredis client from a URL] db.test.js:${line('db.test.js', 'ioredis')} x1`,
  `fail file db-connection db.test.js [databases > node-redis client from a URL] db.test.js:${line('db.test.js', 'node-redis')} x1`,
  `fail file db-connection db.test.js [databases > mongodb client from a URL] db.test.js:${line('db.test.js', 'mongodb')} x1`,
  `fail file other track.test.js [track() > a consumer named after its URL] track.test.js:${line('track.test.js', 'track')} x1`,
].sort();

function findingOf(report: Report, test: string): Finding {
  const found = report.findings.filter((f) => f.test?.[1] === test);
  expect(found, `one finding for "${test}"`).toHaveLength(1);
  return found[0]!;
}

function expectLeakingRun(run: RunResult, runner: 'vitest' | 'jest30' | 'jest29'): Report {
  expect(run.report, run.output).toBeDefined();
  const report = run.report!;
  // mysql2's end() on a connection still handshaking with a server that never answers does not finish: reap, bounded
  // per resource, may say so by kind and site, never with the connection's details.
  const mysqlLine = line('db.test.js', 'mysql2');
  for (const error of report.errors) {
    expect(error).toMatch(
      new RegExp(
        `^reap db-connection at db\\.test\\.js:${mysqlLine}:\\d+: its close did not finish within 3000 ms; left open$`,
      ),
    );
  }
  expect(report.findings.map(shape).sort()).toEqual(EXPECTED);
  expectSchemaValid(report);
  expectConsistentSummary(report);
  expectJunitValid(run.junitPath);
  expectJunitMatchesReport(run);
  expect(run.code, run.output).toBe(1);
  // The children really got the secret: each wrote its arguments down (planted.log, not a report).
  const planted = fs.readFileSync(path.join(run.outDir, 'planted.log'), 'utf8').split('\n').sort();
  expect(planted).toEqual(
    ['', `--token=${SECRET} production`, `postgres://admin:${SECRET}@db/x`, `--password ${SECRET}`].sort(),
  );
  // Each output was written, so the search for the secret below read something.
  expect(run.output).toMatch(/LeakError|leakwatch found \d+ leak/);
  // Under Vitest its github-actions reporter annotates the leaks leakwatch threw into the failed tests and files, so
  // leakwatch adds none of its own for them; under Jest leakwatch annotates each. Both are read for the secret below.
  const own = run.output.match(/^::error file=.*,title=leakwatch%3A /gm) ?? [];
  if (runner === 'vitest') {
    expect(own, 'no annotation twice').toHaveLength(0);
    expect(run.output).toMatch(/^::error file=/m);
  } else {
    expect(own, 'one annotation per finding').toHaveLength(9);
  }
  expect(outputs(run)['GitHub step summary']).toContain('### leakwatch: 9 failing');
  return report;
}

describe.each(['vitest', 'jest30', 'jest29'] as const)(
  '%s, default: a child is its command and argument count',
  (runner) => {
    test('the nine leaks are reported, and the secret is in no output', () => {
      const run = runs[key(FIXTURE, runner, 'hidden')]!;
      expectLeakingRun(run, runner);
      expectNoSecret(run);
    });

    test('children: command base name, shell beside it, argument count, no arguments', () => {
      const report = runs[key(FIXTURE, runner, 'hidden')]!.report!;
      const spawned = findingOf(report, 'spawn with a token flag');
      expect(spawned.details).toEqual({ pid: expect.any(Number), command: 'deploy', argc: 2 });
      expect(spawned.message).toContain('(pid: ');
      expect(spawned.message).toContain('command: deploy, argc: 2)');
      expect(findingOf(report, 'exec with a connection string').details).toEqual({
        pid: expect.any(Number),
        shell: 'sh',
        command: 'deploy',
        argc: 1,
      });
      const forked = findingOf(report, 'fork with a password argument').details!;
      expect(Object.keys(forked).sort()).toEqual(['argc', 'command', 'pid']);
      expect(forked.command).toMatch(/^node/);
      // The script and its two arguments, after whatever the runner's execArgv adds.
      expect(forked.argc).toBeGreaterThanOrEqual(3);
      // Not even masked: the console's code frame shows the fixture's source line, so the JSON and JUnit are checked.
      const shown = outputs(runs[key(FIXTURE, runner, 'hidden')]!);
      for (const name of ['JSON report', 'JUnit report'])
        expect(shown[name], name).not.toMatch(/--token|postgres:|--password/);
    });

    test('databases and track(): host and port, URL passwords and track() names masked', () => {
      const report = runs[key(FIXTURE, runner, 'hidden')]!.report!;
      expect(findingOf(report, 'pg client from a connection string').details).toMatchObject({
        driver: 'pg',
        host: '127.0.0.1',
        port,
        database: 'x',
      });
      expect(findingOf(report, 'node-redis client from a URL').details).toMatchObject({
        driver: 'redis',
        url: `redis://default:***@127.0.0.1:${port}`,
      });
      expect(findingOf(report, 'mongodb client from a URL').details).toMatchObject({ hosts: '127.0.0.1:9' });
      expect(findingOf(report, 'a consumer named after its URL').details).toEqual({
        name: 'queue consumer for amqp://svc:***@mq/jobs',
      });
    });
  },
);

describe.each(['vitest', 'jest30'] as const)("%s, childArguments: 'masked'", (runner) => {
  test('the same nine leaks with the same ids, and the secret is in no output', () => {
    const run = runs[key(FIXTURE, runner, 'masked')]!;
    const report = expectLeakingRun(run, runner);
    expectNoSecret(run);
    const ids = (r: Report) => r.findings.map((f) => f.id).sort();
    expect(ids(report)).toEqual(ids(runs[key(FIXTURE, runner, 'hidden')]!.report!));
  });

  test('arguments are listed with their secrets masked, in every output', () => {
    const run = runs[key(FIXTURE, runner, 'masked')]!;
    const report = run.report!;
    expect(findingOf(report, 'spawn with a token flag').details).toEqual({
      pid: expect.any(Number),
      command: 'deploy',
      argc: 2,
      args: ['--token=***', 'production'],
    });
    expect(findingOf(report, 'exec with a connection string').details).toMatchObject({
      shell: 'sh',
      command: 'deploy',
      argc: 1,
      args: ['postgres://admin:***@db/x'],
    });
    const forked = findingOf(report, 'fork with a password argument').details!;
    expect((forked.args as string[]).slice(-3)).toEqual([
      expect.stringMatching(/keepalive\.cjs$/),
      '--password',
      '***',
    ]);
    for (const [name, text] of Object.entries(outputs(run))) {
      if (name === 'GitHub step summary') continue; // a table of sites and counts: no messages, no details
      expect(text, name).toContain('--token=***');
      expect(text, name).toContain('postgres://admin:***@db/x');
    }
  });
});

describe.each(['vitest', 'jest30', 'jest29'] as const)('%s, the clean look-alike', (runner) => {
  test('the same secrets in resources that are closed: nothing reported, nowhere a secret', () => {
    const run = runs[key(CLEAN, runner, 'masked')]!;
    expect(run.report, run.output).toBeDefined();
    expect(run.report!.errors).toEqual([]);
    expect(run.report!.findings).toEqual([]);
    expect(run.report!.summary).toMatchObject({ tests: 9, findings: 0 });
    expect(run.code, run.output).toBe(0);
    expectNoSecret(run);
  });
});

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, FIXTURES, runJest, runVitest, type RunResult } from './run';
import { expectConsistentSummary, expectSchemaValid, markerLine, shape } from './helpers';

/**
 * Ref state of TLS sockets, whose handle (a TLSWrap) has no hasRef() of its own: idle keep-alive connections of an
 * https.Agent and of fetch, and a tls socket unref'ed by its owner, are not leaks; a tls socket left connected and
 * ref'ed is one. The fixture judges with scope 'test', so the sockets are still connected when judged.
 */
const FIXTURE = 'tls';
// fetch (undici) takes no `ca` option: the fixture's self-signed certificate is trusted through this variable.
const env = { NODE_EXTRA_CA_CERTS: path.join(FIXTURES, FIXTURE, 'test-cert.pem') };
const RUNNERS = {
  vitest: () => runVitest(FIXTURE, ['--pool=forks'], { env }),
  jest30: () => runJest(FIXTURE, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest30' }),
  jest29: () => runJest(FIXTURE, ['--maxWorkers=2', '--no-cache'], { env, jest: 'jest29' }),
};
type Runner = keyof typeof RUNNERS;

describe.each(Object.keys(RUNNERS) as Runner[])('%s', (runner) => {
  let run: RunResult;
  beforeAll(async () => {
    run = await RUNNERS[runner]();
  });
  afterAll(() => cleanup(run));

  test('the tls socket left connected is the one finding, at its test and line', () => {
    expect(run.report, run.output).toBeDefined();
    expect(run.report!.errors).toEqual([]);
    expect(run.report!.findings.map(shape)).toHaveLength(1);
    const [finding] = run.report!.findings;
    expect(finding).toMatchObject({
      kind: 'socket',
      scope: 'test',
      action: 'fail',
      file: 'leaky.test.js',
      test: ['tls leak', 'tls client left connected'],
      site: { file: 'leaky.test.js', line: markerLine(FIXTURE, 'leaky.test.js', 'tls') },
      details: { protocol: 'tls', remoteAddress: '127.0.0.1' },
    });
    expectSchemaValid(run.report);
    expectConsistentSummary(run.report!);
    expect(run.code, run.output).toBe(1);
  });

  test('idle keep-alive sockets (https.Agent, fetch, and over plain http) and an unref-ed tls one: no finding, every test ran and passed', () => {
    expect(run.report!.findings.filter((f) => f.file === 'keep-alive.test.js').map(shape)).toEqual([]);
    const tests = (run.report as any).files.flatMap((f: any) =>
      f.tests.map((t: any) => `${f.file} > ${t.titlePath.join(' > ')}: ${t.state}`),
    );
    expect(tests.sort()).toEqual([
      'keep-alive.test.js > tls keep-alive > a tls socket unref-ed by its owner: passed',
      'keep-alive.test.js > tls keep-alive > fetch keeps its connection for the next request: passed',
      'keep-alive.test.js > tls keep-alive > https.Agent keeps one idle socket for the next request: passed',
      'keep-alive.test.js > tls keep-alive > the same over plain http: http.Agent and fetch: passed',
      'leaky.test.js > tls leak > tls client left connected: failed',
    ]);
    expect(run.output).not.toMatch(/failed to exit gracefully|did not exit/);
  });
});

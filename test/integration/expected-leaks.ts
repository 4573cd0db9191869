import { expect } from 'vitest';
import { markerLine } from './helpers';
import type { Finding, Report } from './run';

/** One finding the `leaks` fixture must produce, in every pool and isolation mode. */
export interface ExpectedLeak {
  /** A short label for the test name. */
  label: string;
  kind: Finding['kind'];
  scope: 'test' | 'file';
  action: 'fail' | 'warn';
  file: string;
  test: string[] | null;
  /** The `// @leak <marker>` of the site line in `file`; null when the kind has no site (a global, heap growth). */
  marker: string | null;
  count: number;
  details?: Record<string, unknown>;
}

export const LEAKS_FIXTURE = 'leaks';
/** Test files of the fixture; bystander.test.ts leaks nothing and must never inherit another file's findings. */
export const LEAKS_FILES = [
  'bystander.test.ts',
  'files.test.ts',
  'measured.test.ts',
  'network.test.ts',
  'placement.test.ts',
  'processes.test.ts',
  'timers.test.ts',
];
export const LEAKS_TEST_COUNT = 21;

const resource = (
  label: string,
  kind: Finding['kind'],
  file: string,
  test: string[] | null,
  marker: string,
  details?: Record<string, unknown>,
): ExpectedLeak => ({ label, kind, scope: 'file', action: 'fail', file, test, marker, count: 1, details });

export const EXPECTED_LEAKS: ExpectedLeak[] = [
  resource('setInterval', 'timer', 'timers.test.ts', ['timers', 'setInterval never cleared'], 'interval', {
    api: 'setInterval',
    delayMs: 1000,
  }),
  resource('setTimeout (long)', 'timer', 'timers.test.ts', ['timers', 'long setTimeout'], 'timeout', {
    api: 'setTimeout',
    delayMs: 60_000,
  }),
  resource('TCP client socket', 'socket', 'network.test.ts', ['network', 'tcp client socket'], 'tcp', {
    protocol: 'tcp',
    remoteAddress: '127.0.0.1',
  }),
  resource('UDP socket (dgram bind)', 'socket', 'network.test.ts', ['network', 'udp socket'], 'udp', {
    protocol: 'udp',
    address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  }),
  // A server's or UDP socket's site is its listen()/bind() call: where it starts holding the process.
  resource('net server', 'server', 'network.test.ts', ['network', 'net server'], 'net-server', {
    address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  }),
  resource('http server', 'server', 'network.test.ts', ['network', 'http server'], 'http-server'),
  resource('child process', 'child-process', 'processes.test.ts', ['processes', 'child process'], 'child', {
    command: 'sleep',
    argc: 1,
  }),
  resource('worker thread', 'worker', 'processes.test.ts', ['processes', 'worker thread'], 'worker'),
  // count 1: only the listening port holds the process, its partner never listens.
  resource(
    'MessageChannel port with a listener',
    'message-port',
    'processes.test.ts',
    ['processes', 'message port with a listener'],
    'port',
    {
      type: 'MessagePort',
    },
  ),
  resource(
    'BroadcastChannel with onmessage',
    'message-port',
    'processes.test.ts',
    ['processes', 'broadcast channel with onmessage'],
    'broadcast',
    {
      type: 'BroadcastChannel',
      name: 'leakwatch-fixture',
    },
  ),
  resource('fs.watch', 'fs-watcher', 'files.test.ts', ['files', 'fs.watch'], 'watch', { api: 'fs.watch' }),
  resource('fs.watchFile', 'fs-watcher', 'files.test.ts', ['files', 'fs.watchFile'], 'watchFile', {
    api: 'fs.watchFile',
  }),
  resource('fs.openSync fd', 'file-handle', 'files.test.ts', ['files', 'fs.openSync'], 'openSync', { api: 'fs.open' }),
  resource('fs.open (callback) fd', 'file-handle', 'files.test.ts', ['files', 'fs.open with a callback'], 'open', {
    api: 'fs.open',
  }),
  resource(
    'fs.promises.open FileHandle',
    'file-handle',
    'files.test.ts',
    ['files', 'fs.promises.open'],
    'promises.open',
    {
      api: 'fs.promises.open',
    },
  ),
  resource('better-sqlite3 Database', 'sqlite', 'files.test.ts', ['files', 'better-sqlite3 database'], 'sqlite', {
    driver: 'better-sqlite3',
    memory: true,
  }),
  {
    label: 'global added by a test',
    kind: 'global',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.ts',
    test: ['measured', 'adds a global'],
    marker: null,
    count: 1,
    details: { name: 'leakwatchFixtureGlobal' },
  },
  {
    label: 'process listener added by a test',
    kind: 'listener',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.ts',
    test: ['measured', 'adds a process listener'],
    marker: 'listener',
    count: 1,
    details: { event: 'leakwatch-fixture-event' },
  },
  {
    label: 'heap growth',
    kind: 'heap',
    scope: 'test',
    action: 'warn',
    file: 'measured.test.ts',
    test: ['measured', 'retains memory'],
    marker: null,
    count: 1,
    details: { threshold: 20 * 1024 * 1024 },
  },
  // Hook placement: only code that runs inside a test (its beforeEach included) is pinned on that test.
  resource('timer at module scope', 'timer', 'placement.test.ts', null, 'module-scope'),
  resource('server in beforeAll', 'server', 'placement.test.ts', null, 'beforeAll'),
  resource('timer in afterAll', 'timer', 'placement.test.ts', null, 'afterAll'),
  resource('timer in a describe body', 'timer', 'placement.test.ts', null, 'describe-body'),
  resource('timer in a nested beforeEach', 'timer', 'placement.test.ts', ['outer', 'inner', 'deep test'], 'beforeEach'),
  resource('timer in a nested test', 'timer', 'placement.test.ts', ['outer', 'inner', 'deep test'], 'deep-test'),
];

/** The line of the expected site, from the fixture's marker comment. */
export function expectedLine(leak: ExpectedLeak): number | null {
  return leak.marker === null ? null : markerLine(LEAKS_FIXTURE, leak.file, leak.marker);
}

/** Findings matching the expectation's kind, file, test and site line. */
export function findingsFor(report: Report, leak: ExpectedLeak): Finding[] {
  const line = expectedLine(leak);
  return report.findings.filter(
    (f) =>
      f.kind === leak.kind &&
      f.file === leak.file &&
      JSON.stringify(f.test) === JSON.stringify(leak.test) &&
      (line === null ? f.site === null : f.site?.line === line),
  );
}

/** Exactly one finding for the expectation, with its scope, action, site file, count and kind-specific details. */
export function expectLeak(report: Report, leak: ExpectedLeak): Finding {
  const matches = findingsFor(report, leak);
  const sameKindAndFile = report.findings.filter((f) => f.kind === leak.kind && f.file === leak.file);
  expect(
    matches,
    `no single ${leak.kind} finding at line ${expectedLine(leak)} of ${leak.file}; that file's ${leak.kind} findings: ${JSON.stringify(sameKindAndFile.map((f) => ({ test: f.test, site: f.site })))}`,
  ).toHaveLength(1);
  const finding = matches[0]!;
  expect(finding.scope).toBe(leak.scope);
  expect(finding.action).toBe(leak.action);
  expect(finding.count).toBe(leak.count);
  if (leak.marker !== null) expect(finding.site).toMatchObject({ file: leak.file, line: expectedLine(leak) });
  if (leak.details) expect(finding.details).toMatchObject(leak.details);
  return finding;
}

/** The whole report is exactly the expected findings: nothing missing, nothing extra (a false positive). */
export function expectExactlyTheExpectedLeaks(report: Report): void {
  for (const leak of EXPECTED_LEAKS) expectLeak(report, leak);
  const expected = new Set(EXPECTED_LEAKS.flatMap((leak) => findingsFor(report, leak)));
  const unexpected = report.findings.filter((f) => !expected.has(f));
  expect(unexpected, 'findings the fixture did not ask for').toEqual([]);
  expect(report.findings).toHaveLength(EXPECTED_LEAKS.length);
}

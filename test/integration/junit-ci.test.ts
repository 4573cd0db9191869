/**
 * The JUnit report as CI readers see it, from real runs of the `junit-failed` fixture under Vitest, Jest 30 and Jest
 * 29: tests the runner fails for their own reasons next to look-alikes that pass, some of each leaking, a leak at
 * module scope, and a clean file. The runners' own reports keep a test's own error before leakwatch's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  expectConsistentSummary,
  expectJunitMatchesReport,
  expectJunitValid,
  expectSchemaValid,
  markerLine,
  parseJunit,
} from './helpers';
import { cleanup, runJest, runVitest, type RunResult } from './run';

const FIXTURE = 'junit-failed';
const FILE = 'failed.test.js';
const TEST_FAILED = "the test itself failed: its own error is in the runner's report";
const RUNNER_FAILED =
  "the runner failed this test: leakwatch's error is among its errors in the runner's report, after the test's own if it has one";
const line = (marker: string) => markerLine(FIXTURE, FILE, marker);

type Runner = 'vitest' | 'jest30' | 'jest29';
const RUNNERS: Runner[] = ['vitest', 'jest30', 'jest29'];

interface Run {
  result: RunResult;
  /** Jest's own --json report. */
  jestJson?: string;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-junit-ci-'));
const runs: Partial<Record<string, Run>> = {};

async function run(runner: Runner, fileAttributes: boolean): Promise<Run> {
  const env: Record<string, string> = fileAttributes ? { LEAKWATCH_FIXTURE_FILE_ATTRIBUTES: '1' } : {};
  if (runner === 'vitest') return { result: await runVitest(FIXTURE, ['--pool=forks'], { env }) };
  const jestJson = path.join(tmp, `${runner}-${fileAttributes}.json`);
  const args = ['--maxWorkers=2', '--no-cache', '--json', `--outputFile=${jestJson}`];
  return { result: await runJest(FIXTURE, args, { env, jest: runner }), jestJson };
}

beforeAll(async () => {
  await Promise.all([
    ...RUNNERS.map(async (runner) => {
      runs[runner] = await run(runner, false);
    }),
    ...(['vitest', 'jest30'] as const).map(async (runner) => {
      runs[`${runner}+fileAttributes`] = await run(runner, true);
    }),
  ]);
}, 240_000);
afterAll(() => {
  for (const r of Object.values(runs)) cleanup(r?.result);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function xpath(file: string, expression: string): string {
  const result = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.replace(/\n$/, '');
}

const failureText = (file: string, name: string) => xpath(file, `string(//testcase[@name='${name}']/failure)`);

describe.each(RUNNERS)('%s', (runner) => {
  const result = () => runs[runner]!.result;

  test('the run fails; the reports are valid and agree (JUnit checked against the JUnit 10 schema)', () => {
    expect(result().code, result().output).toBe(1);
    expectSchemaValid(result().report);
    expectConsistentSummary(result().report!);
    expectJunitValid(result().junitPath);
    expectJunitMatchesReport(result());
    expect(parseJunit(result().junitPath).map((s) => s.attrs.name)).toEqual([FILE, 'tidy.test.js', 'leakwatch']);
  });

  test('a test the runner failed keeps its own failure first; its leaks follow, with their site first', () => {
    const junit = result().junitPath;
    const cases = Object.fromEntries(parseJunit(junit)[0]!.cases.map((c) => [c.name, c]));
    expect(cases['fails and leaks a timer']!.failures.map((f) => f.type)).toEqual(['leakwatch.test-failed']);
    expect(cases['fails and leaks a timer']!.failures[0]!.message).toMatch(
      new RegExp(`^${TEST_FAILED}; it also leaked: A timer created in test "fails and leaks a timer"`),
    );
    expect(failureText(junit, 'fails and leaks a timer')).toMatch(
      new RegExp(`^${TEST_FAILED}\\n\\n    at timer \\(${FILE}:${line('fails-timer')}:\\d+\\)\\n\\[fail\\] timer\\n`),
    );
    expect(cases['fails cleanly']!.failures).toEqual([{ type: 'leakwatch.test-failed', message: TEST_FAILED }]);
    expect(failureText(junit, 'fails cleanly')).toBe(TEST_FAILED);
  });

  test('a leak thrown into its test is its failure, which says where the runner keeps the test’s own error', () => {
    const junit = result().junitPath;
    const cases = Object.fromEntries(parseJunit(junit)[0]!.cases.map((c) => [c.name, c]));
    for (const [name, marker] of [
      ['fails and leaks a listener', 'fails-listener'],
      ['passes and leaks a listener', 'passes-listener'],
    ]) {
      expect(cases[name!]!.failures.map((f) => f.type)).toEqual(['leakwatch.listener']);
      const text = failureText(junit, name!);
      expect(text).toMatch(new RegExp(`^    at process listener \\(${FILE}:${line(marker!)}:\\d+\\)\\n`));
      expect(text.endsWith(`\n\n${RUNNER_FAILED}`)).toBe(true);
    }
  });

  test('the look-alikes that passed: a leak is its own failure, a clean test has none', () => {
    const junit = result().junitPath;
    const suites = parseJunit(junit);
    const cases = Object.fromEntries(suites[0]!.cases.map((c) => [c.name, c]));
    expect(cases['passes and leaks a timer']!.failures.map((f) => f.type)).toEqual(['leakwatch.timer']);
    expect(failureText(junit, 'passes and leaks a timer')).toMatch(
      new RegExp(`^    at timer \\(${FILE}:${line('passes-timer')}:\\d+\\)\\n\\[fail\\] timer\\n`),
    );
    expect(failureText(junit, 'passes and leaks a timer')).not.toContain(RUNNER_FAILED);
    expect(cases['passes cleanly']!.failures).toEqual([]);
    expect(suites[1]!.cases.map((c) => [c.name, c.failures])).toEqual([['adds and removes a listener', []]]);
  });

  test('the module-scope leak is in the leakwatch suite; the clean file’s timely cleanup is nowhere', () => {
    const junit = result().junitPath;
    const extra = parseJunit(junit)[2]!;
    expect(extra.cases.map((c) => [c.name, c.classname, c.failures.map((f) => f.type)])).toEqual([
      [`${FILE}: leaks outside any test`, FILE, ['leakwatch.timer']],
    ]);
    expect(failureText(junit, `${FILE}: leaks outside any test`)).toMatch(
      new RegExp(`^    at timer \\(${FILE}:${line('module-scope')}:\\d+\\)\\n`),
    );
    // Without the option, nothing beyond the schema.
    expect(fs.readFileSync(junit, 'utf8')).not.toMatch(/<(?:testcase|failure)\b[^>]* (?:file|line)=/);
  });

  test("the runner's own report keeps the test's own error first, leakwatch's after it", () => {
    const run = runs[runner]!;
    if (runner === 'vitest') {
      const own = path.join(run.result.outDir, 'vitest-junit.xml');
      const types = (name: string) =>
        [1, 2, 3].map((i) => xpath(own, `string(//testcase[@name='${name}']/failure[${i}]/@type)`)).filter(Boolean);
      expect(types('fails and leaks a listener')).toEqual(['AssertionError', 'LeakError']);
      expect(types('passes and leaks a listener')).toEqual(['LeakError']);
      expect(types('fails and leaks a timer')).toEqual(['AssertionError']);
      // Every leak of a test is also an annotation of it, which Vitest's JUnit reporter writes as a property; the
      // clean look-alikes have none.
      const property = (name: string) =>
        xpath(own, `string(//testcase[@name='${name}']/properties/property[1]/@value)`);
      const properties = (name: string) => Number(xpath(own, `count(//testcase[@name='${name}']/properties/property)`));
      expect(property('passes and leaks a timer')).toMatch(
        /^leakwatch: A timer created in test "passes and leaks a timer" is still open/,
      );
      expect(xpath(own, `string(//testcase[@name='passes and leaks a timer']/properties/property[1]/@name)`)).toBe(
        'error',
      );
      expect(property('fails and leaks a listener')).toMatch(
        /^leakwatch: The test added a process "leakwatch-junit-failed" listener/,
      );
      expect(properties('passes cleanly')).toBe(0);
      expect(properties('fails cleanly')).toBe(0);
      return;
    }
    const json = JSON.parse(fs.readFileSync(run.jestJson!, 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ title: string; failureMessages: string[] }> }>;
    };
    const messages = Object.fromEntries(
      json.testResults.flatMap((f) => f.assertionResults).map((a) => [a.title, a.failureMessages.map(firstLine)]),
    );
    expect(messages['fails and leaks a listener']).toEqual([
      expect.stringMatching(/^Error: expect\(received\)\.toBe\(expected\)/),
      'LeakError: leakwatch found 1 leak:',
    ]);
    expect(messages['passes and leaks a listener']).toEqual(['LeakError: leakwatch found 1 leak:']);
    expect(messages['fails and leaks a timer']).toEqual([
      expect.stringMatching(/^Error: expect\(received\)\.toBe\(expected\)/),
    ]);
  });
});

const firstLine = (text: string) => text.split('\n')[0];

describe.each(['vitest', 'jest30'] as const)('%s with junit.fileAttributes', (runner) => {
  const result = () => runs[`${runner}+fileAttributes`]!.result;

  test('file on every testcase, and the leak’s line on the leaking ones and their failure', () => {
    const junit = result().junitPath;
    const at = (name: string, rest: string) => xpath(junit, `string(//testcase[@name='${name}']${rest})`);
    const place = (name: string) => [at(name, '/@file'), at(name, '/@line'), at(name, '/failure/@line')];
    expect(place('passes and leaks a timer')).toEqual([FILE, `${line('passes-timer')}`, `${line('passes-timer')}`]);
    expect(place('fails and leaks a timer')).toEqual([FILE, `${line('fails-timer')}`, `${line('fails-timer')}`]);
    expect(place('passes cleanly')).toEqual([FILE, '', '']);
    // The test's own failure has no place leakwatch knows.
    expect(place('fails cleanly')).toEqual([FILE, '', '']);
    expect(place(`${FILE}: leaks outside any test`)).toEqual([
      FILE,
      `${line('module-scope')}`,
      `${line('module-scope')}`,
    ]);
    expect(at('adds and removes a listener', '/@file')).toBe('tidy.test.js');
    expect(xpath(junit, 'count(//testcase[not(@file)])')).toBe('0');
  });

  test('the same report as without the option, but for those attributes', () => {
    const strip = (xml: string) =>
      xml
        .replace(/<(?:testcase|failure)\b[^>]*>/g, (open) => open.replace(/ (?:file|line)="[^"]*"/g, ''))
        .replace(/ (?:time|timestamp)="[^"]*"/g, '');
    const plain = runs[runner]!.result.junitPath;
    expect(strip(fs.readFileSync(result().junitPath, 'utf8'))).toBe(strip(fs.readFileSync(plain, 'utf8')));
  });
});

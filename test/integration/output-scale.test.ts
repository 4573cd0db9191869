import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanup, runJest, runVitest, TEST_DIR, type RunResult } from './run';

// 234 distinct findings (204 failing timers at 202 distinct sites, 30 warning listeners), written by this test into a
// project under the repository's ignored .tmp/ and run by the real runners: the console shows the most severe 20
// (5 per file) and says where the rest are; GitHub gets at most 10 errors and 10 warnings and one notice; with Vitest's
// own github-actions reporter on, nothing is annotated twice. The JSON report keeps everything.

const TMP = path.join(TEST_DIR, '.tmp');
const LEAK_FILES = 4;
const TESTS_PER_FILE = 50;
const WARNINGS = 30;
const FAILING = LEAK_FILES * TESTS_PER_FILE + 3 + 1;
const TOTAL = FAILING + WARNINGS;

const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';
import { leakwatch } from '@leakwatch/vitest';

const out = process.env.LEAKWATCH_FIXTURE_OUT;
export default defineConfig({
  cacheDir: \`\${out}/vite-cache\`,
  test: { globals: true, include: ['*.test.js'], pool: 'forks' },
  plugins: [
    leakwatch({
      settleMs: 50,
      outputFile: { json: \`\${out}/leakwatch.json\` },
      consoleAll: process.env.SCALE_CONSOLE_ALL === '1',
    }),
  ],
});
`;
const JEST_CONFIG = `const { withLeakwatch } = require('@leakwatch/jest');

const out = process.env.LEAKWATCH_FIXTURE_OUT;
module.exports = withLeakwatch(
  { testEnvironment: 'node', testMatch: ['<rootDir>/*.test.js'], cacheDirectory: \`\${out}/jest-cache\` },
  { settleMs: 50, outputFile: { json: \`\${out}/leakwatch.json\` } },
);
`;
// No collector in the main process: each file prints its own block.
const JEST_SETUP_ONLY_CONFIG = `module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.test.js'],
  cacheDirectory: \`\${process.env.LEAKWATCH_FIXTURE_OUT}/jest-cache\`,
  setupFilesAfterEnv: ['@leakwatch/jest/setup'],
};
`;

/**
 * A project whose tests each leak at their own line (or, `leaky: false`, clean up the same resources): timers in
 * leaks-<n>.test.js, one helper line shared by three tests and a module-scope timer in a-shared-site.test.js (first
 * in report order), process listeners (warnings) in warn.test.js.
 */
function writeProject(name: string, leaky: boolean): string {
  fs.mkdirSync(TMP, { recursive: true });
  const dir = fs.mkdtempSync(path.join(TMP, `${name}-`));
  const write = (file: string, lines: string[]) => fs.writeFileSync(path.join(dir, file), `${lines.join('\n')}\n`);
  // CommonJS, whatever the repository's test folder says (its package.json is an ES module scope).
  write('package.json', ['{ "type": "commonjs" }']);
  write('vitest.config.mjs', [VITEST_CONFIG]);
  write('jest.config.cjs', [JEST_CONFIG]);
  write('jest.setup-only.config.cjs', [JEST_SETUP_ONLY_CONFIG]);
  write('helper.js', ['const noop = () => {};', 'exports.leak = () => setInterval(noop, 60_000);']);
  write('a-shared-site.test.js', [
    "const { leak } = require('./helper.js');",
    'const noop = () => {};',
    'const atLoad = setInterval(noop, 60_000);',
    leaky ? '' : 'afterAll(() => clearInterval(atLoad));',
    ...['a', 'b', 'c'].map((t) => `test('${t}', () => { ${leaky ? 'leak();' : 'clearInterval(leak());'} });`),
  ]);
  for (let n = 0; n < LEAK_FILES; n++) {
    write(`leaks-${n}.test.js`, [
      'const noop = () => {};',
      ...Array.from({ length: TESTS_PER_FILE }, (_, i) =>
        leaky
          ? `test('t${i}', () => { setInterval(noop, 60_000); });`
          : `test('t${i}', () => { clearInterval(setInterval(noop, 60_000)); });`,
      ),
    ]);
  }
  write('warn.test.js', [
    'const noop = () => {};',
    ...Array.from({ length: WARNINGS }, (_, i) =>
      leaky
        ? `test('w${i}', () => { process.on('leakwatch-scale-${i}', noop); });`
        : `test('w${i}', () => { process.on('leakwatch-scale-${i}', noop); process.off('leakwatch-scale-${i}', noop); });`,
    ),
  ]);
  return dir;
}

interface Annotation {
  level: string;
  /** Relative to the project, whoever wrote it (Vitest writes absolute paths). */
  file: string;
  line: string;
  title: string;
  message: string;
  ours: boolean;
}

/** The stream leakwatch writes its table and annotations to: Vitest's stdout, Jest's stderr (as the runners do). */
const streamOf = (name: string) => (name.startsWith('vitest') ? runs[name]!.stdout : runs[name]!.stderr);

function annotations(name: string, dir: string): Annotation[] {
  return streamOf(name)
    .split('\n')
    .flatMap((text) => {
      const m = /^::(error|warning|notice) (.*?)::(.*)$/.exec(text);
      if (!m) return [];
      const props = Object.fromEntries(m[2]!.split(',').map((p) => p.split('=') as [string, string]));
      const title = decodeURIComponent(props.title ?? '');
      const file = props.file ? path.relative(dir, path.resolve(dir, decodeURIComponent(props.file))) : '';
      return [
        { level: m[1]!, file, line: props.line ?? '', title, message: m[3]!, ours: title.startsWith('leakwatch') },
      ];
    });
}

/** leakwatch's run table: from its first file header to its total line. */
function table(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^leakwatch \S+\.test\.js \(\d+ findings?\)$/.test(l));
  const end = lines.findIndex((l) => /^leakwatch \d+ failing/.test(l));
  expect(start, text).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return lines.slice(start, end + 1);
}

const badges = (lines: string[]) => lines.filter((l) => /^ {3}(FAIL|WARN|KNOWN) {2}\S/.test(l));
const headers = (lines: string[]) =>
  lines.flatMap((l) => /^leakwatch (\S+\.test\.js) \((\d+) findings?\)$/.exec(l)?.slice(1) ?? []);

const gitHubEnv = (run: string) => ({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path.join(run, 'summary.md') });

let leaky: string;
let clean: string;
const runs: Record<string, RunResult> = {};
/** Each run's own summary file, under the project so nothing outside the repository is read. */
let summaries: string;

beforeAll(async () => {
  leaky = writeProject('scale', true);
  clean = writeProject('scale-clean', false);
  summaries = fs.mkdtempSync(path.join(TMP, 'scale-summaries-'));
  const summary = (name: string) => {
    const dir = path.join(summaries, name);
    fs.mkdirSync(dir);
    return gitHubEnv(dir);
  };
  const vitest = (dir: string, args: string[], env: Record<string, string>) => runVitest(dir, args, { env });
  const jest = (dir: string, args: string[], env: Record<string, string>, major: 'jest30' | 'jest29' = 'jest30') =>
    runJest(dir, ['--maxWorkers=2', '--no-cache', ...args], { env, jest: major });
  // Two at a time: the machine is shared.
  const plan: Array<[string, () => Promise<RunResult>]> = [
    ['vitest', () => vitest(leaky, [], summary('vitest'))],
    ['vitest-own-reporters', () => vitest(leaky, ['--reporter=default'], summary('vitest-own-reporters'))],
    ['vitest-all', () => vitest(leaky, [], { SCALE_CONSOLE_ALL: '1' })],
    ['vitest-clean', () => vitest(clean, [], summary('vitest-clean'))],
    ['jest30', () => jest(leaky, [], summary('jest30'))],
    ['jest29', () => jest(leaky, [], summary('jest29'), 'jest29')],
    ['jest30-clean', () => jest(clean, [], summary('jest30-clean'))],
    ['jest30-setup-only', () => jest(leaky, ['--config', 'jest.setup-only.config.cjs'], {})],
  ];
  for (let i = 0; i < plan.length; i += 2) {
    await Promise.all(plan.slice(i, i + 2).map(async ([name, run]) => (runs[name] = await run())));
  }
}, 600_000);

afterAll(() => {
  for (const run of Object.values(runs)) cleanup(run);
  for (const dir of [leaky, clean, summaries]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(['vitest', 'jest30', 'jest29'])('%s: the run table', (name) => {
  test('the JSON report keeps every finding', () => {
    const run = runs[name]!;
    expect(run.code, run.output).toBe(1);
    expect(run.report!.summary).toMatchObject({ findings: TOTAL, failing: FAILING, warning: WARNINGS });
    expect(new Set(run.report!.findings.map((f) => `${f.site?.file}:${f.site?.line}`)).size).toBe(TOTAL - 2);
  });

  test('the console shows the 20 most severe, 5 per file, and says where the rest are', () => {
    const run = runs[name]!;
    const lines = table(streamOf(name));
    // Failing first: the warnings' file is not shown at all.
    expect(headers(lines)).toEqual([
      'a-shared-site.test.js',
      '4',
      ...[0, 1, 2, 3].flatMap((n) => [`leaks-${n}.test.js`, `${TESTS_PER_FILE}`]),
    ]);
    expect(badges(lines)).toHaveLength(20);
    expect(badges(lines).every((l) => l.startsWith('   FAIL  timer'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('  … and '))).toEqual([
      '  … and 45 more in this file (45 failing)',
      '  … and 45 more in this file (45 failing)',
      '  … and 45 more in this file (45 failing)',
      '  … and 49 more in this file (49 failing)',
    ]);
    const json = path.relative(leaky, run.jsonPath);
    expect(lines).toContain(
      `leakwatch: and ${TOTAL - 20} more findings not shown (${FAILING - 20} failing, ${WARNINGS} warning): see ${json} (\`npx leakwatch report ${json}\` prints them all)`,
    );
    // Measured: about 9 lines per finding shown, where 234 findings printed over 2,000.
    expect(lines.length).toBeLessThan(250);
  });
});

test('consoleAll: true prints every finding', () => {
  expect(runs['vitest-all']!.report!.summary.findings).toBe(TOTAL);
  const lines = table(streamOf('vitest-all'));
  expect(badges(lines)).toHaveLength(TOTAL);
  expect(lines.some((l) => l.includes('more findings not shown') || l.startsWith('  … and '))).toBe(false);
});

test('without a collector (Jest setup file only), each file block is capped and says how to see all', () => {
  const run = runs['jest30-setup-only']!;
  expect(run.code, run.output).toBe(1);
  const lines = run.stderr.split('\n');
  // a-shared-site.test.js has 4 findings, under every cap; its module-scope timer is not seen in this mode (Jest
  // setup file only), which is not what this test is about.
  expect(
    badges(lines).filter((l) => / in t\d+$/.test(l)),
    run.stderr,
  ).toHaveLength(LEAK_FILES * 5);
  expect(badges(lines).filter((l) => / in w\d+$/.test(l))).toHaveLength(5);
  const more = lines.filter((l) => l.startsWith('leakwatch: and '));
  const see =
    'set `consoleAll: true` in the leakwatch options to print them all, or `outputFile.json` to keep them in a report';
  expect(more.sort()).toEqual([
    `leakwatch: and 25 more findings not shown (25 warning): ${see}`,
    ...Array.from({ length: LEAK_FILES }, () => `leakwatch: and 45 more findings not shown (45 failing): ${see}`),
  ]);
});

describe('GitHub annotations', () => {
  const summaryOf = (name: string) =>
    fs.readFileSync(gitHubEnv(path.join(summaries, name)).GITHUB_STEP_SUMMARY, 'utf8');

  test.each(['vitest-own-reporters', 'jest30', 'jest29'])(
    '%s: 10 errors, 10 warnings at distinct sites, failing first, and one notice for the rest',
    (name) => {
      const all = annotations(name, leaky);
      expect(
        all.filter((a) => !a.ours),
        'no annotation of the runner itself',
      ).toEqual([]);
      const errors = all.filter((a) => a.level === 'error');
      const warnings = all.filter((a) => a.level === 'warning');
      expect(errors).toHaveLength(10);
      expect(warnings).toHaveLength(10);
      // The helper line three tests leak through is one annotation, first in report order.
      expect(errors[0]).toMatchObject({ file: 'helper.js', line: '2' });
      expect(decodeURIComponent(errors[0]!.message)).toContain('(and 2 more findings at this line)');
      expect(errors[1]).toMatchObject({ file: 'a-shared-site.test.js', line: '3' });
      expect(errors.slice(2).map((a) => `${a.file}:${a.line}`)).toEqual(
        Array.from({ length: 8 }, (_, i) => `leaks-0.test.js:${i + 2}`),
      );
      expect(warnings.map((a) => `${a.file}:${a.line}`)).toEqual(
        Array.from({ length: 10 }, (_, i) => `warn.test.js:${i + 2}`),
      );
      const left = FAILING - 12 + WARNINGS - 10;
      expect(all.filter((a) => a.level === 'notice').map((a) => decodeURIComponent(a.message))).toEqual([
        `${left} more leakwatch findings have no annotation (GitHub shows 10 errors and 10 warnings per step): see the step summary`,
      ]);
      const summary = summaryOf(name);
      expect(summary).toContain(`### leakwatch: ${FAILING} failing, ${WARNINGS} warning`);
      expect(summary.split('\n').filter((l) => /^\| (❌|⚠️) \|/.test(l))).toHaveLength(TOTAL);
    },
  );

  test('vitest with its own github-actions reporter (its default under GITHUB_ACTIONS): each leak annotated once', () => {
    const run = runs.vitest!;
    const all = annotations('vitest', leaky);
    const theirs = all.filter((a) => !a.ours);
    const ours = all.filter((a) => a.ours);
    const key = (a: { file: string; line: string | number }) => `${a.file}:${a.line}`;
    // Vitest annotates each failed file's LeakError (it lists all the file's failing leaks) at its first site...
    const failingFiles = new Set(run.report!.findings.filter((f) => f.action === 'fail').map((f) => f.file));
    const failingSites = new Set(
      run
        .report!.findings.filter((f) => f.action === 'fail')
        .map((f) => key({ file: f.site!.file, line: f.site!.line })),
    );
    const theirErrors = theirs.filter((a) => a.level === 'error');
    expect(theirErrors).toHaveLength(failingFiles.size);
    expect(
      theirErrors.every((a) => failingSites.has(key(a))),
      JSON.stringify(theirErrors),
    ).toBe(true);
    expect(theirErrors.every((a) => decodeURIComponent(a.message).startsWith('LeakError: leakwatch found'))).toBe(true);
    // ...so leakwatch annotates only what Vitest does not: the warnings, and never a site Vitest annotated.
    expect(ours.filter((a) => a.level === 'error')).toEqual([]);
    expect(ours.filter((a) => a.level === 'warning').map(key)).toEqual(
      Array.from({ length: 10 }, (_, i) => `warn.test.js:${i + 2}`),
    );
    expect(ours.filter((a) => failingSites.has(key(a)))).toEqual([]);
    expect(ours.filter((a) => a.level === 'notice').map((a) => decodeURIComponent(a.message))).toEqual([
      `${WARNINGS - 10} more leakwatch findings have no annotation (GitHub shows 10 errors and 10 warnings per step): see the step summary`,
    ]);
  });

  test.each(['vitest-clean', 'jest30-clean'])(
    '%s: the clean look-alike has no finding, no annotation, no table',
    (name) => {
      const run = runs[name]!;
      expect(run.code, run.output).toBe(0);
      expect(run.report!.findings).toEqual([]);
      expect(run.report!.errors).toEqual([]);
      expect(annotations(name, clean)).toEqual([]);
      expect(run.output).not.toMatch(/^leakwatch \S+\.test\.js/m);
      expect(run.output).toContain('leakwatch no leaks found');
      expect(summaryOf(name)).toContain('### leakwatch: 0 failing, 0 warning');
    },
  );
});

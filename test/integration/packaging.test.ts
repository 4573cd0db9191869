/**
 * The published shape of the packages: `pnpm pack` all three, install the tarballs with plain npm into a project of
 * its own (under the repository's ignored `.tmp/`, but outside the workspace: no pnpm, no workspace links), and use
 * them there the way a user would: a Vitest run (plugin form, setup-file-only form, a CommonJS project) and a Jest
 * run that each report a leak, require() and import() of every entry, the type declarations; then lint the tarballs
 * with arethetypeswrong and publint (offline). See docs/packaging.md for the rules checked here.
 * Needs the packages built (`pnpm run build`, which `test:run` does first) and the npm registry for vitest's and
 * jest's own dependencies.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORT_NAMES } from '../unit/export-names.js';
import { FIXTURES, TEST_DIR, VITEST_VERSION as WORKSPACE_VITEST, type Report } from './run.js';

const WORKSPACE = path.resolve(TEST_DIR, '..');
const PNPM = 'pnpm@10.34.9';
/**
 * The Vitest a user would install next to the plugin, the same version as the workspace's (4.1, or 5 in the Node 24
 * job), which is not visible from the temp project.
 */
const VITEST_VERSION = WORKSPACE_VITEST;
/** Likewise for Jest and Mocha. */
const JEST_VERSION = '30.5.2';
const MOCHA_VERSION = '12.0.3';
const FIXTURE = path.join(FIXTURES, 'packaging');
const PACKAGES = {
  core: { name: '@leakwatch/core', dir: path.join(WORKSPACE, 'packages', 'core') },
  vitest: { name: '@leakwatch/vitest', dir: path.join(WORKSPACE, 'packages', 'vitest') },
  jest: { name: '@leakwatch/jest', dir: path.join(WORKSPACE, 'packages', 'jest') },
  mocha: { name: '@leakwatch/mocha', dir: path.join(WORKSPACE, 'packages', 'mocha') },
  nodeTest: { name: '@leakwatch/node-test', dir: path.join(WORKSPACE, 'packages', 'node-test') },
} as const;
type PackageKey = keyof typeof PACKAGES;

interface Exec {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
  durationMs: number;
}

/** The outer Vitest's and the pnpm script chain's variables must not reach npm or the inner Vitest. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keepNpm = /^npm_config_(registry|cache|userconfig|globalconfig|cafile|strict_ssl|proxy|https_proxy|noproxy)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keepNpm.test(key)) continue;
    if (/^(VITEST|VITEST_.*|TEST|NODE_ENV|FORCE_COLOR|LEAKWATCH_.*|PNPM_.*)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', CI: 'true', ...extra };
}

function exec(command: string, args: string[], cwd: string, timeoutMs: number, env = cleanEnv()): Promise<Exec> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      output += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      output += d;
    });
    const timer = setTimeout(() => {
      output += `\n[packaging.test] killed after ${timeoutMs} ms: ${command} ${args.join(' ')}\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      output += `\n[packaging.test] cannot start ${command}: ${error.message}\n`;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output, durationMs: Date.now() - started });
    });
  });
}

function expectOk(result: Exec, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
}

/** Every string target of an exports map (conditions and subpaths flattened). */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Waits for a package's dist (another build may be rewriting it: tsup cleans dist first). */
async function waitForDist(dir: string, timeoutMs = 60_000): Promise<void> {
  const pkg = readJson(path.join(dir, 'package.json'));
  const files = exportTargets(pkg.exports).filter((t) => t.startsWith('./dist/'));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = files.filter((f) => !fs.existsSync(path.join(dir, f)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`${pkg.name} is not built (missing ${missing.join(', ')}): run \`npx ${PNPM} run build\` first`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const leakLine = (file: string) =>
  fs
    .readFileSync(path.join(FIXTURE, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('LEAK-SITE')) + 1;
const LEAK_LINE = leakLine('leak.test.ts');
const JEST_LEAK_LINE = leakLine('jest/leak.test.js');
const MOCHA_LEAK_LINE = leakLine('mocha/leak.test.js');
const NODE_TEST_LEAK_LINE = leakLine('node-test/leak.test.mjs');

/** The installed package's directory in the consumer project. */
const installedDir = (key: PackageKey) => path.join(project, 'node_modules', ...PACKAGES[key].name.split('/'));

/**
 * The files of dist/ a package.json names (exports, bin) and, transitively, the ones they load or whose types they
 * import by a relative specifier ('./runtime.js', './attach.cjs', a declaration chunk).
 */
function reachableFiles(dir: string): Set<string> {
  const pkg = readJson(path.join(dir, 'package.json'));
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values<string>(pkg.bin ?? {});
  const queue = [...exportTargets(pkg.exports), ...bins].map((t) => path.join(dir, t));
  const seen = new Set<string>();
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file) || !fs.existsSync(file)) continue;
    seen.add(file);
    for (const [, relative = ''] of fs.readFileSync(file, 'utf8').matchAll(/["'](\.\.?\/[^"'\s]+)["']/g)) {
      const target = path.resolve(path.dirname(file), relative);
      // A declaration file imports its chunks as './chunk.js' or './chunk.cjs'.
      for (const candidate of [target, target.replace(/\.js$/, '.d.ts'), target.replace(/\.cjs$/, '.d.cts')]) {
        if (fs.existsSync(candidate) && !fs.statSync(candidate).isDirectory()) queue.push(candidate);
      }
    }
  }
  return seen;
}

/** Every package a built file loads from node_modules: static imports, require(), import(), core's lazy(). */
function importedPackages(dir: string): string[] {
  const names = new Set<string>();
  for (const file of fs.readdirSync(path.join(dir, 'dist'))) {
    if (!/\.c?js$/.test(file)) continue;
    const text = fs.readFileSync(path.join(dir, 'dist', file), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|\blazy\(\s*)["']([^"'./][^"']*)["']/g)) {
      const [, specifier = ''] = m;
      if (isBuiltin(specifier)) continue;
      names.add(
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return [...names].sort();
}

let tmp: string;
let project: string;
const tarballs = {} as Record<PackageKey, string>;
const timings: Record<string, number> = {};
const started = Date.now();

function jestRun(cwd: string, args: string[] = []): Promise<Exec> {
  return exec(
    process.execPath,
    [path.join(project, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...args],
    cwd,
    90_000,
  );
}

function vitestRun(cwd: string, args: string[] = []): Promise<Exec> {
  // The installed CLI, run with this Node: what `npx vitest run` does in the project, without npx's lookup.
  return exec(
    process.execPath,
    [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args],
    cwd,
    90_000,
  );
}

beforeAll(async () => {
  // In the repository's ignored temp area; nothing above it but the workspace root, whose node_modules holds only
  // the formatter (pnpm keeps the rest under .pnpm), so the project sees what npm installed and nothing else.
  const temp = path.join(WORKSPACE, '.tmp');
  fs.mkdirSync(temp, { recursive: true });
  tmp = fs.mkdtempSync(path.join(temp, 'packaging-'));
  const packDir = path.join(tmp, 'pack');
  project = path.join(tmp, 'project');
  fs.mkdirSync(packDir);
  fs.mkdirSync(project);

  let t = Date.now();
  await Promise.all(Object.values(PACKAGES).map((p) => waitForDist(p.dir)));
  const packs = await Promise.all(
    (Object.keys(PACKAGES) as PackageKey[]).map(async (key) => {
      const result = await exec('npx', ['-y', PNPM, 'pack', '--pack-destination', packDir], PACKAGES[key].dir, 120_000);
      expectOk(result, `pnpm pack of ${PACKAGES[key].name}`);
      return key;
    }),
  );
  for (const key of packs) {
    const prefix = `${PACKAGES[key].name.replace('@', '').replace('/', '-')}-`;
    const file = fs.readdirSync(packDir).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
    if (!file)
      throw new Error(`pnpm pack wrote no ${prefix}*.tgz into ${packDir}: ${fs.readdirSync(packDir).join(', ')}`);
    tarballs[key] = path.join(packDir, file);
  }
  timings.pack = Date.now() - t;

  fs.writeFileSync(
    path.join(project, 'package.json'),
    `${JSON.stringify({ name: 'leakwatch-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  t = Date.now();
  const install = await exec(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      tarballs.core,
      tarballs.vitest,
      tarballs.jest,
      tarballs.mocha,
      tarballs.nodeTest,
      `vitest@${VITEST_VERSION}`,
      `jest@${JEST_VERSION}`,
      `mocha@${MOCHA_VERSION}`,
    ],
    project,
    240_000,
  );
  expectOk(install, 'npm install of the tarballs');
  timings.npmInstall = Date.now() - t;

  // vitest5/ belongs to scripts/compat-vitest5.sh (Node 22 + Vitest 5), not to this test.
  fs.cpSync(FIXTURE, project, {
    recursive: true,
    filter: (src) => path.relative(FIXTURE, src).split(path.sep)[0] !== 'vitest5',
  });
  fs.copyFileSync(path.join(FIXTURE, 'leak.test.ts'), path.join(project, 'cjs', 'leak.test.ts'));
}, 360_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  timings.total = Date.now() - started;
  console.log(`[packaging] timings (ms): ${JSON.stringify(timings)}`);
});

describe('packed tarballs installed with npm outside the workspace', () => {
  test.each(Object.keys(PACKAGES) as PackageKey[])(
    '%s: the tarball holds package.json and dist only (and core its report schema), every file its manifest names, and no file nothing loads',
    async (key) => {
      const listing = await exec('tar', ['-tzf', tarballs[key]], tmp, 30_000);
      expectOk(listing, `tar -tzf ${tarballs[key]}`);
      const entries = listing.stdout.split('\n').filter(Boolean);
      expect(entries).toContain('package/package.json');
      const extra = key === 'core' ? ['package/schema/leak-report.schema.json'] : [];
      for (const entry of extra) expect(entries).toContain(entry);
      expect(
        entries.filter(
          (e) => !/^package\/(package\.json|dist\/.+|README(\.md)?|LICENSE(\.md)?)$/.test(e) && !extra.includes(e),
        ),
      ).toEqual([]);

      const installed = installedDir(key);
      const pkg = readJson(path.join(installed, 'package.json'));
      expect(pkg.name).toBe(PACKAGES[key].name);
      // pnpm pack must have replaced workspace: ranges; npm cannot install them.
      expect(JSON.stringify(pkg)).not.toContain('workspace:');
      const named = [...exportTargets(pkg.exports), pkg.main, pkg.module, pkg.types].filter(Boolean) as string[];
      expect(named.filter((f) => !fs.existsSync(path.join(installed, f)))).toEqual([]);
      // Nothing built that no export, bin or loaded file names (no source maps either: docs/packaging.md).
      const reachable = reachableFiles(installed);
      const dist = entries.filter((e) => e.startsWith('package/dist/')).map((e) => path.join(installed, e.slice(8)));
      expect(dist.filter((f) => !reachable.has(f)).map((f) => path.relative(installed, f))).toEqual([]);
    },
  );

  test.each(Object.keys(PACKAGES) as PackageKey[])(
    '%s: lists as dependencies exactly what dist loads from node_modules (bundled code is not listed)',
    (key) => {
      const installed = installedDir(key);
      const pkg = readJson(path.join(installed, 'package.json'));
      const dependencies = Object.keys(pkg.dependencies ?? {}).sort();
      const peers = Object.keys(pkg.peerDependencies ?? {});
      const imported = importedPackages(installed);
      // Peers (the runner) may be loaded without a static specifier; every listed dependency must be loaded.
      expect(imported.filter((name) => !peers.includes(name))).toEqual(dependencies);
    },
  );

  test.each(Object.keys(PACKAGES) as PackageKey[])(
    '%s: arethetypeswrong finds no problem (node16 profile), offline',
    async (key) => {
      const attw = path.join(TEST_DIR, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
      const common = ['--profile', 'node16', '--no-definitely-typed', '--format', 'json'];
      // @leakwatch/vitest/setup is ESM that CommonJS configs name by require.resolve(): cjs-resolves-to-esm is
      // intended there, and only there (docs/packaging.md). node10 (no exports maps) is outside the node16 profile.
      // Likewise @leakwatch/node-test/reporter, which only node:test imports (ESM, with a top-level await).
      const esmOnly = { vitest: './setup', nodeTest: './reporter' } as Partial<Record<PackageKey, string>>;
      const entry = esmOnly[key];
      const runs =
        entry !== undefined
          ? [
              { args: ['--exclude-entrypoints', entry], intended: [] },
              {
                args: ['--entrypoints', entry, '--ignore-rules', 'cjs-resolves-to-esm'],
                intended: ['CJSResolvesToESM'],
              },
            ]
          : [{ args: [], intended: [] }];
      for (const { args, intended } of runs) {
        const run = await exec(process.execPath, [attw, tarballs[key], ...common, ...args], tmp, 120_000);
        expect(run.code, run.output).toBe(0);
        const problems = Object.values<{ kind: string; resolutionKind?: string }[]>(
          JSON.parse(run.stdout).problems ?? {},
        );
        expect(
          problems.flat().filter((p) => p.resolutionKind !== 'node10' && !intended.includes(p.kind)),
          run.output,
        ).toEqual([]);
      }
    },
  );

  test.each(Object.keys(PACKAGES) as PackageKey[])(
    '%s: publint --strict finds no error or warning, offline',
    async (key) => {
      const publint = path.join(TEST_DIR, 'node_modules', 'publint', 'src', 'cli.js');
      const run = await exec(
        process.execPath,
        [publint, 'run', tarballs[key], '--strict', '--level', 'warning'],
        tmp,
        60_000,
      );
      expect(run.code, run.output).toBe(0);
      expect(run.output).not.toMatch(/Errors:|Warnings:/);
    },
  );

  test.each(['vitest', 'jest', 'mocha', 'nodeTest'] as const)(
    '%s depends on the packed @leakwatch/core version, deduplicated to one copy',
    (key) => {
      const core = readJson(path.join(installedDir('core'), 'package.json'));
      const adapter = readJson(path.join(installedDir(key), 'package.json'));
      expect(adapter.dependencies['@leakwatch/core']).toBe(core.version);
      // One copy: the adapter (main process) and its worker side must share one Detector module.
      expect(fs.existsSync(path.join(installedDir(key), 'node_modules'))).toBe(false);
    },
  );

  test('plugin form: the leaked interval fails the run, the JSON report has exactly that finding, JUnit is written', async () => {
    const run = await vitestRun(project);
    expect(run.code, run.output).toBe(1);
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    expect(run.output).toContain('LeakError');
    expect(run.output).toContain(`leak.test.ts:${LEAK_LINE}:3`);

    const report: Report = readJson(path.join(project, 'out', 'leakwatch.json'));
    expect(report.runner).toBe('vitest');
    expect(report.runnerVersion).toBe(VITEST_VERSION);
    expect(report.errors).toEqual([]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      kind: 'timer',
      action: 'fail',
      file: 'leak.test.ts',
      test: ['leaks an interval'],
      site: { file: 'leak.test.ts', line: LEAK_LINE },
    });
    expect(report.summary).toMatchObject({ files: 1, tests: 2, findings: 1, failing: 1 });
    // From leakwatch.config.ts, which imports defineConfig from the installed '@leakwatch/vitest'.
    expect((report as any).policy.settleMs).toBe(250);

    const junit = fs.readFileSync(path.join(project, 'out', 'leakwatch-junit.xml'), 'utf8');
    expect(junit).toContain('<testsuites');
    expect(junit).toContain('type="leakwatch.timer"');
  });

  test("setup-file-only form: '@leakwatch/vitest/setup' from node_modules, no plugin, still fails the run and prints the finding", async () => {
    const run = await vitestRun(project, ['--config', 'vitest.setup-only.config.ts']);
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    // Failed from the worker's afterAll...
    expect(run.output).toContain('LeakError');
    // ...and printed by the worker itself, as there is no main-process reporter.
    expect(run.output).toContain('leakwatch leak.test.ts (1 finding)');
    expect(run.output).toMatch(/FAIL\s+timer in leaks an interval/);
    expect(run.output).toContain(`leak.test.ts:${LEAK_LINE}:3`);
  });

  test('CommonJS project: Vite require()s the plugin, and the CJS builds report the leak (console and JSON)', async () => {
    const cwd = path.join(project, 'cjs');
    const run = await vitestRun(cwd);
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    expect(run.output).toContain('leakwatch leak.test.ts (1 finding)');
    expect(run.output).toContain('leakwatch 1 failing');
    const report: Report = readJson(path.join(cwd, 'out', 'leakwatch.json'));
    expect(report.findings.map((f) => [f.kind, f.site?.line])).toEqual([['timer', LEAK_LINE]]);
  });

  test("CommonJS project: setupFiles: [require.resolve('@leakwatch/vitest/setup')] runs and fails the run on the leak", async () => {
    const run = await vitestRun(path.join(project, 'cjs'), ['--config', 'vitest.setup-resolve.config.ts']);
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('cannot be imported in a CommonJS module');
    expect(run.output).toContain('LeakError');
    expect(run.output).toContain('leakwatch leak.test.ts (1 finding)');
    expect(run.output).toContain(`leak.test.ts:${LEAK_LINE}:3`);
  });

  test('Jest: withLeakwatch() from the installed @leakwatch/jest fails the run on the leak; the JSON report (path from leakwatch.config.ts) has exactly that finding', async () => {
    const cwd = path.join(project, 'jest');
    const run = await jestRun(cwd);
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    expect(run.output).toContain(`leak.test.js:${JEST_LEAK_LINE}:3`);

    const report: Report = readJson(path.join(cwd, 'out', 'leakwatch.json'));
    expect(report.runner).toBe('jest');
    expect(report.runnerVersion).toBe(JEST_VERSION);
    expect(report.errors).toEqual([]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      kind: 'timer',
      action: 'fail',
      file: 'leak.test.js',
      test: ['leaks an interval'],
      site: { file: 'leak.test.js', line: JEST_LEAK_LINE },
    });
    expect(report.summary).toMatchObject({ files: 1, tests: 2, findings: 1, failing: 1 });
    expect((report as any).policy.settleMs).toBe(250);
    expect(fs.readFileSync(path.join(cwd, 'out', 'leakwatch-junit.xml'), 'utf8')).toContain('type="leakwatch.timer"');
  });

  /** The leak the run's report must hold, and nothing else. */
  function expectOneTimerLeak(report: Report, runner: string, file: string, line: number): void {
    expect(report.runner).toBe(runner);
    expect(report.errors).toEqual([]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      kind: 'timer',
      action: 'fail',
      file,
      test: ['leaks an interval'],
      site: { file, line },
    });
    expect(report.summary).toMatchObject({ files: 1, tests: 2, findings: 1, failing: 1 });
    expect((report as any).policy.settleMs).toBe(250);
  }

  test("Mocha: require: ['@leakwatch/mocha'] in .mocharc.cjs fails the run on the leak; the JSON report (path from leakwatch.config.ts) has exactly that finding", async () => {
    const cwd = path.join(project, 'mocha');
    const run = await exec(
      process.execPath,
      [path.join(project, 'node_modules', 'mocha', 'bin', 'mocha.js')],
      cwd,
      90_000,
    );
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    expect(run.output).toContain(`leak.test.js:${MOCHA_LEAK_LINE}:3`);
    const report: Report = readJson(path.join(cwd, 'out', 'leakwatch.json'));
    expectOneTimerLeak(report, 'mocha', 'leak.test.js', MOCHA_LEAK_LINE);
    expect(report.runnerVersion).toBe(MOCHA_VERSION);
    expect(fs.readFileSync(path.join(cwd, 'out', 'leakwatch-junit.xml'), 'utf8')).toContain('type="leakwatch.timer"');
  });

  test('node:test: node --test --require @leakwatch/node-test fails the run on the leak; the JSON report (path from leakwatch.config.ts) has exactly that finding', async () => {
    const cwd = path.join(project, 'node-test');
    const run = await exec(
      process.execPath,
      ['--test', '--require', '@leakwatch/node-test', 'leak.test.mjs'],
      cwd,
      90_000,
    );
    expect(run.code, run.output).toBe(1);
    expect(run.output).not.toContain('leakwatch internal error');
    expect(run.output).toContain(`leak.test.mjs:${NODE_TEST_LEAK_LINE}:3`);
    const report: Report = readJson(path.join(cwd, 'out', 'leakwatch.json'));
    expectOneTimerLeak(report, 'node-test', 'leak.test.mjs', NODE_TEST_LEAK_LINE);
    expect(fs.readFileSync(path.join(cwd, 'out', 'leakwatch-junit.xml'), 'utf8')).toContain('type="leakwatch.timer"');
  });

  /** Every subpath of the three exports maps, but the setup files, which run only inside their runner. */
  const loadable = () =>
    (Object.keys(PACKAGES) as PackageKey[]).flatMap((key) =>
      Object.keys(readJson(path.join(installedDir(key), 'package.json')).exports)
        // The setup files, and node:test's reporter (ESM with a top-level await), run only inside their runner.
        .filter(
          (subpath) =>
            !['./setup', './package.json'].includes(subpath) && !(key === 'nodeTest' && subpath === './reporter'),
        )
        .map((subpath) => ({ key, subpath, id: path.posix.join(PACKAGES[key].name, subpath) })),
    );

  test.each([
    ['require() (CJS)', 'load.cjs', 'require'],
    ['import() (ESM)', 'load.mjs', 'import'],
  ])('%s of every entry, @leakwatch/core/adapter and the report schema included', async (_what, script, condition) => {
    const entries = loadable();
    expect(entries.map((e) => e.id)).toEqual(
      expect.arrayContaining(['@leakwatch/core/adapter', '@leakwatch/core/leak-report.schema.json']),
    );
    const run = await exec(process.execPath, [script, ...entries.map((e) => e.id)], project, 30_000);
    expectOk(run, `node ${script}`);
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout);
    expect(loaded.plugin).toBe('leakwatch');
    // One setup file per runner for both conditions: Vitest runs its setup as ESM, Jest requires its own.
    expect(loaded.setups).toEqual([
      path.join(fs.realpathSync(installedDir('vitest')), 'dist', 'setup.js'),
      path.join(fs.realpathSync(installedDir('jest')), 'dist', 'setup.cjs'),
    ]);
    for (const { key, subpath, id } of entries) {
      const target = readJson(path.join(installedDir(key), 'package.json')).exports[subpath];
      const file = typeof target === 'string' ? target : (target[condition]?.default ?? target.default);
      expect(loaded[id].resolved, id).toBe(path.join(fs.realpathSync(installedDir(key)), file));
      const expected = id.endsWith('.json')
        ? Object.keys(readJson(path.join(installedDir(key), file)))
        : (EXPORT_NAMES[id] ?? [`${id}: an entry unknown to unit/export-names.ts`]);
      // From Node 23, import() of CommonJS adds a name of Node's own, 'module.exports', to the namespace.
      const names = [...loaded[id].names].filter((name) => condition === 'require' || name !== 'module.exports');
      expect(names.sort(), id).toEqual([...expected].sort());
    }
  });

  test('the .d.ts (import) and .d.cts (require) declarations type-check for a consumer', async () => {
    // The workspace's TypeScript and @types/node stand in for the user's; the declarations come from the project.
    // skipLibCheck (as in most projects) keeps it fast; types-check.* prove each export is typed, not `any`.
    const tsc = path.join(TEST_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = path.join(TEST_DIR, 'node_modules', '@types');
    const run = await exec(process.execPath, [tsc, '-p', 'tsconfig.json', '--typeRoots', typeRoots], project, 120_000);
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
  });
});

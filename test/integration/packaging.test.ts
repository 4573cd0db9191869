/**
 * The published shape of the packages: `pnpm pack` each one, install the tarballs with plain npm into a project
 * outside the workspace (no pnpm, no workspace links, no hoisting from the repo), and use them there the way a user
 * would: the plugin form, the setup-file-only form, a CommonJS project, require()/import() and the type declarations.
 * Needs the packages built (`pnpm run build`, which `test:run` does first) and the npm registry for vitest's own deps.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FIXTURES, TEST_DIR, type Report } from './run.js';

const WORKSPACE = path.resolve(TEST_DIR, '..');
const PNPM = 'pnpm@10.34.9';
/** The Vitest a user would install next to the plugin; the workspace's own is not visible from the temp project. */
const VITEST_VERSION = '4.1.12';
const FIXTURE = path.join(FIXTURES, 'packaging');
const PACKAGES = {
  core: { name: '@leakwatch/core', dir: path.join(WORKSPACE, 'packages', 'core') },
  vitest: { name: '@leakwatch/vitest', dir: path.join(WORKSPACE, 'packages', 'vitest') },
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

const LEAK_LINE =
  fs
    .readFileSync(path.join(FIXTURE, 'leak.test.ts'), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('LEAK-SITE')) + 1;

let tmp: string;
let project: string;
const tarballs = {} as Record<PackageKey, string>;
const timings: Record<string, number> = {};
const started = Date.now();

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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-packaging-'));
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
      `vitest@${VITEST_VERSION}`,
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
    '%s: the tarball holds package.json and dist only (and core its report schema), and every file its manifest names',
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

      const installed = path.join(project, 'node_modules', ...PACKAGES[key].name.split('/'));
      const pkg = readJson(path.join(installed, 'package.json'));
      expect(pkg.name).toBe(PACKAGES[key].name);
      // pnpm pack must have replaced workspace: ranges; npm cannot install them.
      expect(JSON.stringify(pkg)).not.toContain('workspace:');
      const named = [...exportTargets(pkg.exports), pkg.main, pkg.module, pkg.types].filter(Boolean) as string[];
      expect(named.filter((f) => !fs.existsSync(path.join(installed, f)))).toEqual([]);
      // Type declarations for both conditions.
      const dts = key === 'core' ? ['index'] : ['index', 'setup', 'reporter'];
      for (const base of dts) {
        expect(fs.existsSync(path.join(installed, 'dist', `${base}.d.ts`)), `${base}.d.ts`).toBe(true);
        expect(fs.existsSync(path.join(installed, 'dist', `${base}.d.cts`)), `${base}.d.cts`).toBe(true);
      }
    },
  );

  test('@leakwatch/vitest depends on the packed @leakwatch/core version, deduplicated to one copy', () => {
    const core = readJson(path.join(project, 'node_modules', '@leakwatch', 'core', 'package.json'));
    const plugin = readJson(path.join(project, 'node_modules', '@leakwatch', 'vitest', 'package.json'));
    expect(plugin.dependencies['@leakwatch/core']).toBe(core.version);
    // One copy: the plugin (main process) and the setup file (workers) must share one Detector module.
    expect(fs.existsSync(path.join(project, 'node_modules', '@leakwatch', 'vitest', 'node_modules'))).toBe(false);
  });

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

  test.each([
    // One setup file for both conditions: Vitest runs it as ESM, and a CJS copy would require('vitest'), which throws.
    ['require() (CJS)', 'load.cjs', 'index.cjs', 'setup.js'],
    ['import() (ESM)', 'load.mjs', 'index.js', 'setup.js'],
  ])('%s loads both packages from the installed tarballs and exposes leakwatch', async (_what, script, main, setup) => {
    const run = await exec(process.execPath, [script], project, 30_000);
    expectOk(run, `node ${script}`);
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout);
    expect(loaded).toMatchObject({
      leakwatch: 'function',
      default: 'function',
      reporter: 'function',
      plugin: 'leakwatch',
      coreTrack: 'function',
    });
    const dist = path.join(fs.realpathSync(project), 'node_modules', '@leakwatch', 'vitest', 'dist');
    expect(loaded.resolved).toBe(path.join(dist, main));
    expect(loaded.setupResolved).toBe(path.join(dist, setup));
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

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = path.join(TEST_DIR, 'fixtures');
const VITEST_BIN = path.join(TEST_DIR, 'node_modules', 'vitest', 'vitest.mjs');
/**
 * The Vitest the fixtures run on: 4.1 in the workspace, 5 where scripts/ci-node24.sh installs it, so a test that
 * checks what Vitest itself says can expect the right major.
 */
export const VITEST_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(TEST_DIR, 'node_modules', 'vitest', 'package.json'), 'utf8'),
).version;
export const VITEST_MAJOR = Number(VITEST_VERSION.split('.')[0]);
/** Jest 30 and Jest 29 (installed under the alias `jest29`), so every Jest scenario runs on both majors. */
export const JEST_BINS = {
  jest30: path.join(TEST_DIR, 'node_modules', 'jest', 'bin', 'jest.js'),
  jest29: path.join(TEST_DIR, 'node_modules', 'jest29', 'bin', 'jest.js'),
} as const;
export type JestMajor = keyof typeof JEST_BINS;
/** Mocha 12 and Mocha 11 (installed under the alias `mocha11`). */
export const MOCHA_BINS = {
  mocha12: path.join(TEST_DIR, 'node_modules', 'mocha', 'bin', 'mocha.js'),
  mocha11: path.join(TEST_DIR, 'node_modules', 'mocha11', 'bin', 'mocha.js'),
} as const;
export type MochaMajor = keyof typeof MOCHA_BINS;

export interface Finding {
  id: string;
  kind: string;
  scope: 'test' | 'file';
  action: 'fail' | 'warn';
  file: string;
  test: string[] | null;
  site: { file: string; line: number; column: number } | null;
  message: string;
  count?: number;
  bytes?: number;
  stack?: string[];
  details?: Record<string, unknown>;
}

export interface Report {
  version: 1;
  runner: string;
  summary: { files: number; tests: number; findings: number; failing: number; warning: number };
  findings: Finding[];
  errors: string[];
  [key: string]: unknown;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
  /** Parsed JSON report, if the run wrote one. */
  report: Report | undefined;
  jsonPath: string;
  junitPath: string;
  outDir: string;
  durationMs: number;
}

/** A run's own variables; as a function, of the run's folder (e.g. GITHUB_STEP_SUMMARY inside it). */
export type RunEnv = Record<string, string> | ((outDir: string) => Record<string, string>);

/**
 * Runs the real Vitest CLI on a fixture project. Fixture configs read LEAKWATCH_FIXTURE_OUT to place their reports,
 * so parallel runs never share report files. Bounded by `timeoutMs`: a hanging run is killed and reported as such.
 */
export async function runVitest(
  fixture: string,
  args: string[] = [],
  options: { env?: RunEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runCli(fixture, [VITEST_BIN, 'run', ...args], options);
}

/** Runs the real Jest CLI (29 or 30) on a fixture project; same contract as runVitest. */
export async function runJest(
  fixture: string,
  args: string[] = [],
  options: { env?: RunEnv; timeoutMs?: number; jest?: JestMajor } = {},
): Promise<RunResult> {
  return runCli(fixture, [JEST_BINS[options.jest ?? 'jest30'], '--ci', ...args], options);
}

/** Runs the real Mocha CLI (12 or 11) in a fixture project, whose .mocharc.* requires @leakwatch/mocha. */
export async function runMocha(
  fixture: string,
  args: string[] = [],
  options: { env?: RunEnv; timeoutMs?: number; mocha?: MochaMajor } = {},
): Promise<RunResult> {
  return runCli(fixture, [MOCHA_BINS[options.mocha ?? 'mocha12'], ...args], options);
}

/**
 * Runs `node --test` (the Node running this suite) on a fixture project, with leakwatch preloaded by `--require` unless
 * `args` says otherwise (`preload: false`); same contract as runVitest.
 */
export async function runNodeTest(
  fixture: string,
  args: string[] = [],
  options: { env?: RunEnv; timeoutMs?: number; preload?: boolean } = {},
): Promise<RunResult> {
  const preload = options.preload === false ? [] : ['--require', '@leakwatch/node-test'];
  return runCli(fixture, [...preload, '--test', ...args], options);
}

/**
 * Variables that steer leakwatch, the runners or CI behaviour. None reaches a fixture run from the shell that runs
 * our tests (a CI job, an exported LEAKWATCH=off) or from the outer Vitest: a run sees only what childEnv sets.
 */
const STEERING =
  /^(CI|TEST|NODE_ENV|NODE_OPTIONS|NODE_TEST_CONTEXT|FORCE_COLOR|NO_COLOR|LEAKWATCH.*|GITHUB_.*|JEST_.*|VITEST.*)$/;

/** The caller's environment (PATH, HOME, ...) without the steering variables, then the run's own settings. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!STEERING.test(key)) env[key] = value;
  // Reap on, as in CI, unless a test says otherwise: a leaking fixture must not keep its runner alive.
  return { ...env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', ...extra };
}

async function runCli(
  fixture: string,
  argv: string[],
  options: { env?: RunEnv; timeoutMs?: number },
): Promise<RunResult> {
  const cwd = path.isAbsolute(fixture) ? fixture : path.join(FIXTURES, fixture);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-run-'));
  const jsonPath = path.join(outDir, 'leakwatch.json');
  const junitPath = path.join(outDir, 'leakwatch-junit.xml');
  const started = Date.now();
  const child = spawn(process.execPath, argv, {
    cwd,
    env: childEnv({
      LEAKWATCH_FIXTURE_OUT: outDir,
      ...(typeof options.env === 'function' ? options.env(outDir) : options.env),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const timeoutMs = options.timeoutMs ?? 90_000;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  let report: Report | undefined;
  if (fs.existsSync(jsonPath)) report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  return { code, stdout, stderr, output, report, jsonPath, junitPath, outDir, durationMs: Date.now() - started };
}

export function cleanup(result: RunResult | undefined): void {
  if (result) fs.rmSync(result.outDir, { recursive: true, force: true });
}

/** Findings of one kind, optionally of one test (title path joined with ' > '). */
export function findingsOf(report: Report | undefined, kind: string, test?: string | null): Finding[] {
  return (report?.findings ?? []).filter(
    (f) => f.kind === kind && (test === undefined || (test === null ? f.test === null : f.test?.join(' > ') === test)),
  );
}

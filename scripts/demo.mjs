#!/usr/bin/env node
/**
 * leakwatch demo: runs every example under examples/* with its own test runner, lets the user watch the runner's
 * and leakwatch's output as it happens, then prints a compact summary per example read from its JSON report.
 *
 *   npx pnpm@10.34.9 run demo:run      (builds the packages first, then runs this script)
 *
 * The examples leak on purpose, so their runners exit non-zero: that is expected and does not fail the demo.
 * Exit code 0 when every example ran and wrote its leakwatch reports (JSON and JUnit); 1 when an example could not
 * run (runner missing, crash, signal, timeout) or wrote no report.
 *
 * Reports are found by content, not by path: after a run, the example directory (outside node_modules) is searched
 * for a JSON file that is a leakwatch report and an XML file that is a leakwatch JUnit report, written during the run.
 * So an example may put its reports wherever its config says.
 *
 * No dependencies beyond Node.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
/** A run that takes longer than this is killed and counted as "could not run". */
const RUN_TIMEOUT_MS = 5 * 60_000;

/**
 * How to recognise and run each test runner: the first entry whose config file exists in the example wins.
 * `packageJsonKey`: the runner may also be configured by a key of the example's package.json.
 * The binary is always the example's own node_modules/.bin/<bin>, run with the example as cwd.
 */
const RUNNERS = [
  {
    name: 'vitest',
    configs: [
      'vitest.config.ts',
      'vitest.config.mts',
      'vitest.config.cts',
      'vitest.config.js',
      'vitest.config.mjs',
      'vitest.config.cjs',
    ],
    bin: 'vitest',
    args: ['run'],
  },
  {
    name: 'jest',
    configs: [
      'jest.config.ts',
      'jest.config.mts',
      'jest.config.cts',
      'jest.config.js',
      'jest.config.mjs',
      'jest.config.cjs',
      'jest.config.json',
    ],
    packageJsonKey: 'jest',
    bin: 'jest',
    // The examples leak on purpose, and a leaked server or interval keeps Jest alive for ever once it runs the files
    // in band ("Jest did not exit one second after the test run has completed"), which Jest does by itself with one
    // worker (2 CPUs or fewer) or when its cached timings say the files are fast. Vitest needs no such flag: it tears
    // its workers down.
    args: ['--forceExit'],
  },
  {
    name: 'mocha',
    configs: [
      '.mocharc.cjs',
      '.mocharc.js',
      '.mocharc.mjs',
      '.mocharc.yaml',
      '.mocharc.yml',
      '.mocharc.jsonc',
      '.mocharc.json',
    ],
    packageJsonKey: 'mocha',
    bin: 'mocha',
    // Mocha waits for its event loop to empty, which the deliberate leaks never let it do outside CI (where leakwatch
    // reaps them): the same reason as Jest's --forceExit.
    args: ['--exit'],
  },
  {
    name: 'node:test',
    // No config file of its own: a project whose `npm test` is `node --test`, leakwatch preloaded, options in
    // leakwatch.config.*. Run by this very Node, with the flags of that script.
    configs: [],
    testScript: /^node (?:.* )?--test\b/,
    command: process.execPath,
    // As Jest's --forceExit above: a test file's process stays alive as long as its leaks do (leakwatch closes them
    // only with `reap`, on in CI), and node:test waits for every one of them.
    args: ['--test', '--test-force-exit', '--require', '@leakwatch/node-test'],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Output helpers

const useColor = process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const cyan = paint('36');

const rel = (file) => path.relative(ROOT, file) || '.';
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

function truncate(text, width) {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** A plain text table; `colorize(columnIndex, cell, row)` may color a cell after it is padded. */
function table(headers, rows, colorize = (_i, cell) => cell) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells, color) =>
    cells
      .map((c, i) => color(i, c.padEnd(widths[i]), cells))
      .join('  ')
      .trimEnd();
  return [
    line(headers, (_i, c) => bold(c)),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map((r) => line(r, colorize)),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery

function readPackageJson(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The runner of an example directory, or undefined when it has no runner config we know. */
function detectRunner(dir) {
  const pkg = readPackageJson(dir);
  for (const runner of RUNNERS) {
    const config = runner.configs.find((name) => fs.existsSync(path.join(dir, name)));
    if (config) return { ...runner, config };
    if (runner.packageJsonKey && pkg?.[runner.packageJsonKey])
      return { ...runner, config: `package.json#${runner.packageJsonKey}` };
    if (runner.testScript?.test(pkg?.scripts?.test ?? '')) return { ...runner, config: 'package.json#scripts.test' };
  }
  return undefined;
}

function findExamples() {
  if (!fs.existsSync(EXAMPLES_DIR)) return [];
  return (
    fs
      .readdirSync(EXAMPLES_DIR, { withFileTypes: true })
      // A project has a package.json; examples/ci holds CI files only.
      .filter(
        (entry) =>
          entry.isDirectory() &&
          !entry.name.startsWith('.') &&
          fs.existsSync(path.join(EXAMPLES_DIR, entry.name, 'package.json')),
      )
      .map((entry) => entry.name)
      .sort()
      .map((name) => ({ name, dir: path.join(EXAMPLES_DIR, name) }))
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Running

function binPath(dir, bin) {
  return path.join(dir, 'node_modules', '.bin', process.platform === 'win32' ? `${bin}.cmd` : bin);
}

/** Runs the runner with inherited stdio; resolves to { code, signal, error, timedOut, durationMs }. */
function runExample(dir, runner) {
  const bin = runner.command ?? binPath(dir, runner.bin);
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...process.env };
    // Options are the example's own; never inherit resolved options from an outer leakwatch run.
    delete env.LEAKWATCH_RUN;
    // .cmd shims cannot be spawned without a shell on Windows (hence the quotes, for paths with spaces).
    const windows = process.platform === 'win32';
    const child = spawn(windows ? `"${bin}"` : bin, runner.args, { cwd: dir, stdio: 'inherit', env, shell: windows });
    let timedOut = false;
    let killer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, RUN_TIMEOUT_MS);
    const finish = (result) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ ...result, timedOut, durationMs: Date.now() - started });
    };
    child.once('error', (error) => finish({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => finish({ code, signal, error: undefined }));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Reports

/** Files under `dir` (not node_modules nor dot directories) with one of `extensions`, modified at or after `since`. */
function recentFiles(dir, extensions, since, depth = 4) {
  const found = [];
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth > 0 && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
        found.push(...recentFiles(full, extensions, since, depth - 1));
    } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
      try {
        // Some filesystems keep mtime at a coarser resolution than Date.now(): allow one second.
        if (fs.statSync(full).mtimeMs >= since - 1000) found.push(full);
      } catch {
        // Vanished between readdir and stat (a temp file being renamed): not ours.
      }
    }
  }
  return found;
}

function isLeakwatchJson(file) {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    return data && data.version === 1 && typeof data.runner === 'string' && Array.isArray(data.findings) && data.summary
      ? data
      : undefined;
  } catch {
    return undefined;
  }
}

function isLeakwatchJunit(file) {
  try {
    return /<testsuites\b[^>]*\bname="leakwatch\b/.test(fs.readFileSync(file, 'utf8').slice(0, 2000));
  } catch {
    return false;
  }
}

function findReports(dir, since) {
  let json;
  for (const file of recentFiles(dir, ['.json'], since)) {
    const report = isLeakwatchJson(file);
    if (report) {
      json = { file, report };
      break;
    }
  }
  const junit = recentFiles(dir, ['.xml'], since).find(isLeakwatchJunit);
  return { json, junit };
}

// ---------------------------------------------------------------------------------------------------------------
// Summary

const FRAME_RE = /\(?([^()\s]+):(\d+):(\d+)\)?$/;

/** "file:line", plus the test file's line when the resource was created in a helper called from the test. */
function location(finding) {
  // Globals have no creation stack: only the test file is known.
  if (!finding.site) return `${finding.file} (line unknown)`;
  const site = `${finding.site.file}:${finding.site.line}`;
  if (finding.site.file === finding.file) return site;
  for (const frame of finding.stack ?? []) {
    const m = FRAME_RE.exec(frame);
    if (m && m[1] === finding.file) return `${site} ← ${m[1]}:${m[2]}`;
  }
  return site;
}

function summarize(example, runner, run, reports) {
  const out = [];
  const status = run.code === 0 ? green(`exit ${run.code}`) : yellow(`exit ${run.code ?? run.signal}`);
  out.push(
    '',
    `${bold(cyan(`examples/${example.name}`))} ${dim(`(${runner.name}, ${runner.config},`)} ${status}${dim(`, ${seconds(run.durationMs)})`)}`,
  );
  if (!reports.json) return out;
  const { report } = reports.json;
  const { findings, failing, warning, files, tests } = report.summary;
  out.push(
    `  ${findings === 0 ? green('no leaks found') : `${failing ? red(`${failing} failing`) : '0 failing'}, ${warning ? yellow(`${warning} warning`) : '0 warning'}`}` +
      dim(` in ${files} files, ${tests} tests`),
  );
  if (findings > 0) {
    const rows = report.findings.map((f) => [
      f.kind,
      f.action,
      truncate(f.test ? f.test.join(' > ') : '(outside any test)', 64),
      location(f),
      String(f.count ?? 1),
    ]);
    const lines = table(['kind', 'action', 'test', 'file:line', 'count'], rows, (i, cell, row) =>
      i === 1 ? (row[1] === 'fail' ? red(cell) : yellow(cell)) : i === 3 ? cyan(cell) : cell,
    );
    out.push(...lines.map((l) => `  ${l}`));
  }
  for (const error of report.errors ?? [])
    out.push(yellow(`  leakwatch internal error: ${String(error).split('\n')[0]}`));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const examples = findExamples();
  const results = [];
  for (const example of examples) {
    const runner = detectRunner(example.dir);
    if (!runner) {
      results.push({ example, skipped: true });
      continue;
    }
    const bin = runner.command ?? binPath(example.dir, runner.bin);
    console.log(
      `\n${bold('━━━')} ${bold(`examples/${example.name}`)} ${dim(`— ${[rel(bin), ...runner.args].join(' ')}`)}\n`,
    );
    if (!fs.existsSync(bin)) {
      results.push({
        example,
        runner,
        problem: `${rel(bin)} not found (run \`npx pnpm@10.34.9 install\` at the repository root)`,
      });
      continue;
    }
    const runStarted = Date.now();
    const run = await runExample(example.dir, runner);
    const reports = findReports(example.dir, runStarted);
    let problem;
    if (run.error) problem = `could not start ${runner.name}: ${run.error.message}`;
    else if (run.timedOut) problem = `${runner.name} did not finish within ${seconds(RUN_TIMEOUT_MS)} and was killed`;
    else if (run.signal) problem = `${runner.name} was killed by ${run.signal}`;
    else if (!reports.json && !reports.junit)
      problem = `${runner.name} exited with ${run.code} and wrote no leakwatch report`;
    else if (!reports.json) problem = 'no leakwatch JSON report was written';
    else if (!reports.junit) problem = 'no leakwatch JUnit report was written';
    results.push({ example, runner, run, reports, problem });
  }

  console.log(`\n${bold('━━━ leakwatch demo summary')}`);
  for (const result of results) {
    if (result.skipped) {
      console.log(
        `\n${bold(`examples/${result.example.name}`)} ${dim('skipped: no vitest, jest or mocha config, nor a `node --test` script, found')}`,
      );
      continue;
    }
    if (result.run) console.log(summarize(result.example, result.runner, result.run, result.reports).join('\n'));
    else console.log(`\n${bold(cyan(`examples/${result.example.name}`))} ${dim(`(${result.runner.name})`)}`);
    if (result.reports?.json) console.log(`  ${dim('JSON: ')} ${result.reports.json.file}`);
    if (result.reports?.junit) console.log(`  ${dim('JUnit:')} ${result.reports.junit}`);
    if (result.problem) console.log(`  ${red('error:')} ${result.problem}`);
  }

  const ran = results.filter((r) => !r.skipped);
  const failed = ran.filter((r) => r.problem);
  console.log('');
  if (ran.length === 0) {
    console.log(red(`No example with a known test runner config under ${rel(EXAMPLES_DIR)}/.`));
    process.exitCode = 1;
  } else if (failed.length) {
    console.log(
      red(`${failed.length} of ${ran.length} example${ran.length === 1 ? '' : 's'} could not run or wrote no report`) +
        dim(` (${seconds(Date.now() - started)})`),
    );
    process.exitCode = 1;
  } else {
    console.log(
      green(
        `${ran.length} example${ran.length === 1 ? '' : 's'} ran and wrote ${ran.length === 1 ? 'its' : 'their'} reports`,
      ) + dim(` (${seconds(Date.now() - started)}; the runners' non-zero exits come from the deliberate leaks)`),
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

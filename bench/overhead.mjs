#!/usr/bin/env node
// Overhead of leakwatch on a leak-free suite, against the plain runner in the same run.
// Usage: node bench/overhead.mjs [--files 20] [--tests 50] [--runs 5] [--runner vitest|jest|all]
// Generates one suite of CommonJS test files (runnable by Vitest with globals and by Jest) under bench/.work/, then
// runs each variant in alternating order per round and prints the median and min–max of the ratios to the plain
// runner, for wall time and peak RSS (from /usr/bin/time when available).
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
  },
});
const FILES = Number(values.files);
const TESTS = Number(values.tests);
const RUNS = Number(values.runs);
const work = path.join(here, '.work', `suite-${FILES}x${TESTS}`);
const nodeModules = path.join(repo, 'test', 'node_modules');
const VITEST = path.join(nodeModules, 'vitest', 'vitest.mjs');
const JEST = path.join(nodeModules, 'jest', 'bin', 'jest.js');

/** Each variant: how to run it; `base` names the plain run its ratios are taken against. */
const VARIANTS = {
  'vitest': { runner: 'vitest', argv: [VITEST, 'run', '--config', 'plain.vitest.config.mjs'] },
  'vitest+leakwatch': { runner: 'vitest', base: 'vitest', argv: [VITEST, 'run', '--config', 'leakwatch.vitest.config.mjs'] },
  'jest': { runner: 'jest', argv: [JEST, '--ci', '--config', 'plain.jest.config.cjs'] },
  'jest+leakwatch': { runner: 'jest', base: 'jest', argv: [JEST, '--ci', '--config', 'leakwatch.jest.config.cjs'] },
  'jest --detectOpenHandles': { runner: 'jest', base: 'jest', argv: [JEST, '--ci', '--config', 'plain.jest.config.cjs', '--detectOpenHandles'] },
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
  if (fs.existsSync(path.join(work, '.done'))) return;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  for (let f = 0; f < FILES; f++) {
    const tests = Array.from({ length: TESTS }, (_, i) => `  test('t${i}', async () => {\n${testBody(i)}\n  });`).join('\n');
    fs.writeFileSync(
      path.join(work, `f${f}.test.js`),
      `const http = require('node:http');
const Database = require('better-sqlite3');

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
  fs.writeFileSync(path.join(work, 'plain.vitest.config.mjs'), `export default { test: { globals: true, include: ['*.test.js'] } };\n`);
  fs.writeFileSync(
    path.join(work, 'leakwatch.vitest.config.mjs'),
    `import { leakwatch } from '@leakwatch/vitest';\nexport default { plugins: [leakwatch({ outputFile: { json: 'out/vitest.json' } })], test: { globals: true, include: ['*.test.js'] } };\n`,
  );
  fs.writeFileSync(path.join(work, 'plain.jest.config.cjs'), `module.exports = { testEnvironment: 'node', testMatch: ['<rootDir>/*.test.js'] };\n`);
  fs.writeFileSync(
    path.join(work, 'leakwatch.jest.config.cjs'),
    `const { withLeakwatch } = require('@leakwatch/jest');\nmodule.exports = withLeakwatch({ testEnvironment: 'node', testMatch: ['<rootDir>/*.test.js'] }, { outputFile: { json: 'out/jest.json' } });\n`,
  );
  fs.writeFileSync(path.join(work, '.done'), '');
}

function runOnce(name) {
  const variant = VARIANTS[name];
  const hasTime = fs.existsSync('/usr/bin/time');
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const args = hasTime ? ['-f', '%e %M', process.execPath, ...variant.argv] : variant.argv;
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: work,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', CI: 'true', LEAKWATCH_RESOLVED_OPTIONS: '', LEAKWATCH_JEST_RUN_DIR: '' },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stdout.slice(-3000), r.stderr.slice(-3000));
    throw new Error(`${name} failed with ${r.status}`);
  }
  if (name.includes('leakwatch')) {
    const report = JSON.parse(fs.readFileSync(path.join(work, 'out', `${variant.runner}.json`), 'utf8'));
    if (report.summary.findings !== 0) throw new Error(`${name}: the leak-free suite produced ${report.summary.findings} findings`);
  }
  const m = hasTime ? /([\d.]+) (\d+)\s*$/.exec(r.stderr.trim()) : null;
  return { wall, rssKb: m ? Number(m[2]) : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

generate();
const nm = path.join(work, 'node_modules');
if (!fs.existsSync(nm)) fs.symlinkSync(nodeModules, nm);

const names = Object.keys(VARIANTS).filter((n) => values.runner === 'all' || VARIANTS[n].runner === values.runner);
for (const n of names.filter((n) => !VARIANTS[n].base)) runOnce(n); // warm-up: transform caches, disk cache
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? names : [...names].reverse();
  for (const n of order) samples[n].push(runOnce(n));
  console.log(`round ${i + 1}: ${order.map((n) => `${n} ${samples[n].at(-1).wall.toFixed(2)}s`).join(' | ')}`);
}
console.log(`\n${FILES * TESTS} tests (${FILES} files x ${TESTS}), ${RUNS} rounds, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`);
console.log('| variant | median wall (s) | wall ratio median (min–max) | peak RSS ratio median |');
console.log('| --- | --- | --- | --- |');
for (const n of names) {
  const walls = samples[n].map((s) => s.wall);
  const base = VARIANTS[n].base;
  if (!base) {
    console.log(`| ${n} | ${median(walls).toFixed(2)} | 1 | 1 |`);
    continue;
  }
  const ratios = samples[n].map((s, i) => s.wall / samples[base][i].wall);
  const rss = samples[n].map((s, i) => s.rssKb / samples[base][i].rssKb);
  console.log(
    `| ${n} | ${median(walls).toFixed(2)} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) | ${median(rss).toFixed(3)} |`,
  );
}

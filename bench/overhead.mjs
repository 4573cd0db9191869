#!/usr/bin/env node
// Overhead of leakwatch on a leak-free Vitest suite, against plain Vitest in the same run.
// Usage: node bench/overhead.mjs [--files 20] [--tests 50] [--runs 5]
// Generates a suite under bench/.work/, then runs plain and leakwatch alternately (A/B, B/A, ...) and prints the
// median and min–max of the per-pair wall-time ratios and peak RSS (from /usr/bin/time when available).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const { values } = parseArgs({
  options: { files: { type: 'string', default: '20' }, tests: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' } },
});
const FILES = Number(values.files);
const TESTS = Number(values.tests);
const RUNS = Number(values.runs);
const work = path.join(here, '.work', `suite-${FILES}x${TESTS}`);
const vitest = path.join(repo, 'test', 'node_modules', 'vitest', 'vitest.mjs');

function testBody(i) {
  // Realistic per-test work: promise churn, a timer set and cleared, some allocation, an HTTP round trip every few
  // tests and a better-sqlite3 query.
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
      path.join(work, `f${f}.test.ts`),
      `import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import http from 'node:http';
import Database from 'better-sqlite3';

let server: http.Server;
let url = '';
let db: Database.Database;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = \`http://127.0.0.1:\${(server.address() as any).port}/\`;
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
  fs.writeFileSync(path.join(work, 'plain.config.ts'), `export default { test: { include: ['*.test.ts'] } };\n`);
  fs.writeFileSync(
    path.join(work, 'with-leakwatch.config.ts'),
    `import { leakwatch } from '@leakwatch/vitest';\nexport default { plugins: [leakwatch({ console: true })], test: { include: ['*.test.ts'] } };\n`,
  );
  fs.writeFileSync(path.join(work, '.done'), '');
}

function runOnce(config) {
  const hasTime = fs.existsSync('/usr/bin/time');
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const args = hasTime ? ['-f', '%e %M', process.execPath, vitest, 'run', '--config', config] : [vitest, 'run', '--config', config];
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', LEAKWATCH_RESOLVED_OPTIONS: '' } });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) {
    console.error(r.stdout.slice(-3000), r.stderr.slice(-3000));
    throw new Error(`${config} failed with ${r.status}`);
  }
  if (/leakwatch .*failing|WARN/.test(r.stdout)) throw new Error(`leak-free suite produced findings:\n${r.stdout.slice(-3000)}`);
  const m = hasTime ? /([\d.]+) (\d+)\s*$/.exec(r.stderr.trim()) : null;
  return { wall, rssKb: m ? Number(m[2]) : NaN };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

generate();
// Symlink node_modules so the generated suite resolves vitest, better-sqlite3 and @leakwatch/vitest from test/.
const nm = path.join(work, 'node_modules');
if (!fs.existsSync(nm)) fs.symlinkSync(path.join(repo, 'test', 'node_modules'), nm);

runOnce('plain.config.ts'); // warm-up: Vite's transform cache, disk cache
const pairs = [];
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? ['plain', 'leakwatch'] : ['leakwatch', 'plain'];
  const r = {};
  for (const which of order) r[which] = runOnce(which === 'plain' ? 'plain.config.ts' : 'with-leakwatch.config.ts');
  pairs.push({ wall: r.leakwatch.wall / r.plain.wall, rss: r.leakwatch.rssKb / r.plain.rssKb, plain: r.plain, lw: r.leakwatch });
  console.log(
    `run ${i + 1}: plain ${r.plain.wall.toFixed(2)}s ${r.plain.rssKb} KB | leakwatch ${r.leakwatch.wall.toFixed(2)}s ${r.leakwatch.rssKb} KB | ratio ${(r.leakwatch.wall / r.plain.wall).toFixed(3)}`,
  );
}
const walls = pairs.map((p) => p.wall);
const rss = pairs.map((p) => p.rss);
console.log(
  `\n${FILES * TESTS} tests (${FILES} files x ${TESTS}), ${RUNS} pairs: wall ratio median ${median(walls).toFixed(3)} (min ${Math.min(...walls).toFixed(3)}, max ${Math.max(...walls).toFixed(3)}); peak RSS ratio median ${median(rss).toFixed(3)}`,
);

#!/usr/bin/env node
// Where Vitest + leakwatch spends its extra time, by Vitest's own per-file phases (prepare, setup, import, tests),
// against plain Vitest on the same suite, alternating A/B. Reads the suite overhead.mjs generated.
//
// Usage: node bench/vitest-phases.mjs [--files 20] [--tests 50] [--runs 5]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '20' },
    tests: { type: 'string', default: '50' },
    runs: { type: 'string', default: '5' },
  },
});
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, 'bench', '.work', `suite-${values.files}x${values.tests}`);
if (!fs.existsSync(path.join(work, '.done'))) {
  throw new Error(
    `${path.relative(repo, work)} is missing: run node bench/overhead.mjs --files ${values.files} --tests ${values.tests} once first`,
  );
}
const VITEST = path.join(repo, 'test', 'node_modules', 'vitest', 'vitest.mjs');
const PHASES = ['prepareDuration', 'setupDuration', 'collectDuration', 'duration'];
const LABELS = {
  prepareDuration: 'prepare',
  setupDuration: 'setup files',
  collectDuration: 'import',
  duration: 'tests',
};

// Vitest's TestModule.diagnostic() per file, written by a reporter added next to the default one.
fs.writeFileSync(
  path.join(work, 'phases-reporter.mjs'),
  `import fs from 'node:fs';
export default class Phases {
  onTestRunEnd(modules) {
    fs.writeFileSync(process.env.PHASES_OUT, JSON.stringify(modules.map((m) => m.diagnostic())));
  }
}
`,
);
const configs = {
  vitest: `export default { test: { globals: true, include: ['*.test.js'], reporters: ['default', './phases-reporter.mjs'] } };\n`,
  'vitest+leakwatch': `import { leakwatch } from '@leakwatch/vitest';\nexport default { plugins: [leakwatch({ outputFile: { json: 'out/vitest.json' } })], test: { globals: true, include: ['*.test.js'], reporters: ['default', './phases-reporter.mjs'] } };\n`,
};
for (const [name, text] of Object.entries(configs))
  fs.writeFileSync(path.join(work, `phases.${name.replace('+', '-')}.config.mjs`), text);

const out = path.join(work, 'out', 'phases.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
/** Per-file mean of each phase, in ms. */
function runOnce(name) {
  const r = spawnSync(process.execPath, [VITEST, 'run', '--config', `phases.${name.replace('+', '-')}.config.mjs`], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CI: 'true', PHASES_OUT: out, LEAKWATCH_RUN: '' },
  });
  if (r.status !== 0)
    throw new Error(`${name} failed with ${r.status}:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  const files = JSON.parse(fs.readFileSync(out, 'utf8'));
  return Object.fromEntries(PHASES.map((p) => [p, files.reduce((sum, d) => sum + (d[p] ?? 0), 0) / files.length]));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const samples = { vitest: [], 'vitest+leakwatch': [] };
for (let round = 0; round < Number(values.runs); round++) {
  const order = round % 2 ? ['vitest+leakwatch', 'vitest'] : ['vitest', 'vitest+leakwatch'];
  for (const name of order) samples[name].push(runOnce(name));
  console.log(`round ${round + 1} done`);
}

const perTest = Number(values.tests);
const rows = PHASES.map((p) => {
  const plain = median(samples.vitest.map((s) => s[p]));
  const lw = median(samples['vitest+leakwatch'].map((s) => s[p]));
  const delta = median(samples.vitest.map((s, i) => samples['vitest+leakwatch'][i][p] - s[p]));
  const note = p === 'duration' ? ` (${((delta / perTest) * 1000).toFixed(0)} µs per test)` : '';
  return `| ${LABELS[p]} | ${plain.toFixed(1)} | ${lw.toFixed(1)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)}${note} |`;
});
console.log(
  `\nVitest's phases per test file, ms (medians of ${values.runs} rounds; ${values.files} files × ${values.tests} tests)\n` +
    `| phase | vitest | vitest+leakwatch | difference in the same round |\n| --- | --- | --- | --- |\n${rows.join('\n')}`,
);

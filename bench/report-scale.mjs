// How long the run's reports take for a very large run: 20,000 test files, 10,000 findings, and a baseline of 10,000
// entries that match only through the fallbacks (test renamed, line moved). Each should take well under a second;
// a writer that searches or copies inside its loop shows up here as seconds.
//
//   node bench/report-scale.mjs [--files 20000] [--findings 10000]
//
// Uses the built @leakwatch/core (run `pnpm run build` first).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const core = await import(pathToFileURL(path.join(here, '../packages/core/dist/adapter.js')).href);
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const fileCount = arg('files', 20000);
const findingCount = arg('findings', 10000);

const files = [];
for (let i = 0; i < fileCount; i++) {
  files.push({ file: `test/f${i}.test.ts`, tests: [{ titlePath: ['works'], state: 'passed', durationMs: 1 }] });
}
const findings = [];
for (let i = 0; i < findingCount; i++) {
  const file = `test/f${(i * 2) % fileCount}.test.ts`;
  const site = { file, line: 3 + (i % 7), column: 5 };
  const test = ['works'];
  const id = core.findingId('timer', file, test, site);
  findings.push({ id, kind: 'timer', scope: 'file', action: 'fail', file, test, site, message: 'A timer', count: 1 });
}
const report = core.buildReport({
  runner: 'vitest',
  startedAt: new Date(),
  durationMs: 1,
  options: core.resolveOptions([], {}),
  files,
  findings,
  errors: [],
});
const entries = findings.map((f) => ({ id: `${f.id}x`, kind: f.kind, file: f.file, test: ['renamed'], site: f.site }));

const time = (name, fn) => {
  const start = performance.now();
  fn();
  console.log(`${name.padEnd(40)} ${(performance.now() - start).toFixed(0).padStart(6)} ms`);
};
console.log(`${fileCount} files, ${findingCount} findings, Node ${process.version}`);
time('JUnit', () => core.renderJunit(report));
time('JSON', () => core.renderJson(report));
time('console table', () => core.renderConsole(report, { root: process.cwd() }));
time('baseline match (by fallbacks)', () => core.matchBaseline(findings, { version: 1, entries }));

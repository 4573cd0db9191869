#!/usr/bin/env node
// leakwatch's own CPU time in V8 CPU profiles (node --cpu-prof), for comparing one suite size with another.
//
// Usage: node bench/own-cpu.cjs <dir with .cpuprofile files> [tests] [top]
//
// A sample counts as leakwatch's when the nearest frame above it that is not Node's own (node:*, native) belongs to
// @leakwatch/core, /vitest or /jest. So Node internals that leakwatch calls count (a readlink, a stack capture), and
// so do the originals its wrappers call (the real setTimeout, fs.openSync): an upper bound, but the same bound at every
// suite size. Module loads that pass through leakwatch's require hook do not count. With `tests`, prints per test.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [dir, testsArg, topArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/own-cpu.cjs <dir with .cpuprofile files> [tests] [top]');
  process.exit(2);
}
const tests = Number(testsArg) || 0;
const top = Number(topArg) || 15;
const OURS = /[\\/]packages[\\/](core|vitest|jest)[\\/]dist[\\/]|[\\/]@leakwatch[\\/]/;
const isNodeOwn = (url) => !url || url.startsWith('node:');

let total = 0;
let own = 0;
const byFunction = new Map();
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at).callFrame;
      if (isNodeOwn(frame.url)) continue;
      if (!OURS.test(frame.url)) return;
      // The require hook: what runs beneath it is the module being loaded, not leakwatch.
      if (frame.functionName === '_load') return;
      own += dt;
      const key = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
      return;
    }
  });
}
const ms = (us) => (us / 1000).toFixed(0);
console.log(
  `profiled ${ms(total)} ms; leakwatch ${ms(own)} ms (${((own / total) * 100).toFixed(1)}%)${tests ? `, ${(own / 1000 / tests).toFixed(3)} ms per test` : ''}`,
);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(us).padStart(8)} ms  ${key}`);

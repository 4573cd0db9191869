// Per-call cost of the hot paths with leakwatch's probes installed ("on") and without ("off"), each in its own
// process, alternating, so one warm-up or one noisy moment cannot decide a ratio. Prints the median microseconds per
// call of each operation over the rounds, and their ratio.
//
//   node bench/micro.mjs [--rounds 7] [--iterations 20000]
//
// Uses the built @leakwatch/core (run `pnpm run build` first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};

if (process.env.MICRO_CHILD) {
  await child(process.env.MICRO_CHILD === 'on', Number(process.env.MICRO_ITERATIONS));
} else {
  parent(arg('rounds', 7), arg('iterations', 20000));
}

async function child(on, iterations) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-micro-'));
  const small = path.join(scratch, 'small.bin');
  fs.writeFileSync(small, Buffer.alloc(512));
  let detector;
  if (on) {
    const core = await import(pathToFileURL(path.join(here, '../packages/core/dist/adapter.js')).href);
    detector = core.Detector.shared();
    detector.configure(core.resolveOptions([{ reap: false, settleMs: 0 }], {}), scratch);
    detector.install();
    detector.fileStart(path.join(scratch, 'micro.test.js'));
  }
  const server = net.createServer((socket) => socket.on('error', () => {}).end());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;

  const results = {};
  const time = async (name, n, op) => {
    for (let i = 0; i < Math.min(n, 200); i++) await op(i); // warm-up
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op(i);
    results[name] = Number(process.hrtime.bigint() - start) / 1e3 / n;
  };
  const sync = (name, n, op) => {
    for (let i = 0; i < Math.min(n, 1000); i++) op(i);
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op(i);
    results[name] = Number(process.hrtime.bigint() - start) / 1e3 / n;
  };
  const test = { key: 't', titlePath: ['micro'] };
  if (detector) detector.testStart(test);
  sync('setTimeout + clearTimeout', iterations, () => clearTimeout(setTimeout(() => {}, 1000)));
  sync('setImmediate + clearImmediate', iterations, () => clearImmediate(setImmediate(() => {})));
  sync('readFileSync (Buffer)', iterations / 4, () => fs.readFileSync(small));
  sync("readFileSync ('utf8')", iterations / 4, () => fs.readFileSync(small, 'utf8'));
  sync('openSync + closeSync', iterations / 4, () => fs.closeSync(fs.openSync(small, 'r')));
  await time('socket connect + destroy', 300, () => {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
    });
  });
  if (detector) await detector.testEnd(test);
  await time('test start + end (clean)', 2000, async (i) => {
    if (!detector) return;
    const t = { key: `t${i}`, titlePath: [`test ${i}`] };
    detector.testStart(t);
    await detector.testEnd(t);
  });
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(results));
}

function parent(rounds, iterations) {
  const runs = { on: [], off: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? ['on', 'off'] : ['off', 'on']) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
        env: { ...process.env, MICRO_CHILD: mode, MICRO_ITERATIONS: String(iterations), LEAKWATCH_RUN: '' },
        encoding: 'utf8',
      });
      runs[mode].push(JSON.parse(out));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  console.log(`Node ${process.version}, ${rounds} rounds alternating, median µs per call`);
  console.log('| operation | off | on | on / off |');
  console.log('| --- | --- | --- | --- |');
  for (const name of Object.keys(runs.on[0])) {
    const off = median(runs.off.map((r) => r[name]));
    const on = median(runs.on.map((r) => r[name]));
    const ratio = name.startsWith('test start') ? '(leakwatch only)' : (on / off).toFixed(2);
    console.log(`| ${name} | ${name.startsWith('test start') ? '-' : off.toFixed(2)} | ${on.toFixed(2)} | ${ratio} |`);
  }
}

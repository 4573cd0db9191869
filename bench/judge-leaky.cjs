#!/usr/bin/env node
// How long leakwatch takes to judge and report one file that leaked 5,000 timers, 200 sockets and 200 fds, in process,
// without a runner around it. Usage: node bench/judge-leaky.cjs (after `pnpm run build`).
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { Detector, resolveOptions, publishRun } = require('../packages/core/dist/adapter.cjs');

async function main() {
  const settleMs = 0; // settling is bounded by settleMs and measured separately: this is the cost of judging
  const detector = Detector.shared();
  detector.configure(resolveOptions([{ settleMs, reap: false }], process.env), path.resolve(__dirname, '..'));
  detector.install();
  const server = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  detector.fileStart(__filename);
  const test = { key: 't', titlePath: ['leaks'] };
  detector.testStart(test);
  let t0 = process.hrtime.bigint();
  const timers = Array.from({ length: 5000 }, () => setInterval(() => {}, 100000));
  const sockets = Array.from({ length: 200 }, () => net.connect(server.address().port, '127.0.0.1'));
  const fds = Array.from({ length: 200 }, () => fs.openSync(__filename, 'r'));
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, 100));
  detector.testEnd(test);
  t0 = process.hrtime.bigint();
  const result = await detector.fileEnd();
  const judgeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  t0 = process.hrtime.bigint();
  const out = path.join(require('node:os').tmpdir(), 'leakwatch-judge-leaky');
  const options = {
    ...detector.options,
    outputFile: { json: path.join(out, 'r.json'), junit: path.join(out, 'r.xml') },
  };
  publishRun({
    runner: 'vitest',
    startedAt: new Date(),
    options,
    root: out,
    files: [{ info: { file: 'x.test.ts', tests: [{ titlePath: ['leaks'], state: 'passed' }] }, result }],
    stream: { write() {} },
  });
  const reportMs = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.rmSync(out, { recursive: true, force: true });
  console.log(
    `created 5000 timers + 200 sockets + 200 fds in ${createMs.toFixed(0)} ms; judged in ${judgeMs.toFixed(0)} ms (+ settle, at most settleMs); reported (console, JSON, JUnit) in ${reportMs.toFixed(0)} ms; findings: ${result.findings.map((f) => `${f.kind}×${f.count}`).join(', ')}`,
  );
  timers.forEach(clearInterval);
  for (const s of sockets) s.destroy();
  for (const fd of fds) fs.closeSync(fd);
  server.close();
}
main();

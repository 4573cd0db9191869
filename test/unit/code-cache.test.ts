import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

// The built worker entry, as a test process of Vitest imports it: each case runs in a fresh Node process.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-code-cache-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

// One test file judged: the cache is written after it, when the engine's common paths have been compiled.
const SCRIPT = `
const { FileSession } = await import('@leakwatch/core/worker');
const root = ${JSON.stringify(scratch)};
const session = new FileSession({ runner: 'vitest', file: root + '/a.test.js', root, print: (b) => process.stdout.write(b) });
await session.ready;
const test = { key: 't', titlePath: ['a', 't'] };
session.testStart(test);
await session.runInScope(session.scopeOf(test), async () => { globalThis.keep = setInterval(() => {}, 1000); });
await session.testEnd(test);
const error = await session.fileEnd();
clearInterval(globalThis.keep);
console.log('LEAKS', error ? error.message.split('\\n')[0] : 'none');
`;

function runWorker(cacheSetting: string): string {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, LEAKWATCH_CODE_CACHE: cacheSetting, LEAKWATCH_RUN: '' },
    encoding: 'utf8',
  });
  expect(result.stderr.replace(/leakwatch.*\n?/g, '')).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bin')) : []);

describe('the worker engine loaded through V8 code cache', () => {
  test('written once after a first file, then used as is; the engine behaves the same with and without it', () => {
    const dir = path.join(scratch, 'ours');
    const first = runWorker(dir);
    expect(first).toMatch(/LEAKS .*1 leak/);
    const [file] = cacheFiles(dir);
    expect(file).toBeDefined();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const written = fs.statSync(path.join(dir, file!)).mtimeMs;
    // Accepted by V8: not written again.
    expect(runWorker(dir)).toBe(first);
    expect(cacheFiles(dir)).toEqual([file]);
    expect(fs.statSync(path.join(dir, file!)).mtimeMs).toBe(written);
    // Without the cache: the same findings.
    expect(runWorker('off')).toBe(first);
  });

  test('a cache V8 rejects (corrupt, or from another build) is replaced, and the run is unaffected', () => {
    const dir = path.join(scratch, 'corrupt');
    const first = runWorker(dir);
    const [file] = cacheFiles(dir);
    fs.writeFileSync(path.join(dir, file!), Buffer.alloc(4096, 7));
    expect(runWorker(dir)).toBe(first);
    expect(fs.readFileSync(path.join(dir, file!)).equals(Buffer.alloc(4096, 7))).toBe(false);
    expect(cacheFiles(dir)).toEqual([file]);
  });

  test.skipIf(process.platform === 'win32')('a directory others can write to is never read nor written', () => {
    const dir = path.join(scratch, 'shared');
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    expect(runWorker(dir)).toMatch(/LEAKS .*1 leak/);
    expect(cacheFiles(dir)).toEqual([]);
  });
});

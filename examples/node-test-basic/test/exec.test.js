'use strict';

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
const { runCommand, toolVersion } = require('../src/exec');

const node = process.execPath;

// Tests of one suite run at the same time: leakwatch still pins each leak on the test whose code made it.
describe('runCommand', { concurrency: true }, () => {
  it('collects stdout, stderr and the exit code', async () => {
    const result = await runCommand(node, ['-e', 'console.log("out"); console.error("err"); process.exitCode = 3']);
    assert.deepEqual(result, { code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  });

  it('kills a command that runs past its timeout', async () => {
    const result = await runCommand(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 100 });
    assert.equal(result.signal, 'SIGTERM');
  });

  it('rejects when the command does not exist', async () => {
    await assert.rejects(runCommand('definitely-not-a-command-xyz'), /ENOENT/);
  });

  it('returns a promise right away', () => {
    // deliberate leak: the promise is never awaited, so the child process (which exits by itself after 3 s) and
    // runCommand's timeout timer are both still running when the file ends.
    const pending = runCommand(node, ['-e', 'setTimeout(() => {}, 3000)']);
    assert.ok(pending instanceof Promise);
  });
});

describe('toolVersion', () => {
  it('reads the version node prints', async () => {
    assert.equal(await toolVersion(node), process.versions.node);
  });
});

'use strict';

const { expect } = require('expect');
const { runCommand, toolVersion } = require('../src/exec');

const node = process.execPath;

describe('runCommand', () => {
  it('collects stdout, stderr and the exit code', async () => {
    const result = await runCommand(node, ['-e', 'console.log("out"); console.error("err"); process.exitCode = 3']);
    expect(result).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  });

  it('writes input to stdin', async () => {
    const upper = 'process.stdin.setEncoding("utf8").on("data", (d) => process.stdout.write(d.toUpperCase()))';
    const result = await runCommand(node, ['-e', upper], { input: 'hello' });
    expect(result.stdout).toBe('HELLO');
  });

  it('kills a command that runs past its timeout', async () => {
    const result = await runCommand(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 100 });
    expect(result.signal).toBe('SIGTERM');
  });

  it('rejects when the command does not exist', async () => {
    await expect(runCommand('definitely-not-a-command-xyz')).rejects.toThrow(/ENOENT/);
  });

  it('returns a promise right away', () => {
    // deliberate leak: the promise is never awaited, so the child process (which exits by itself after 3 s) and
    // runCommand's timeout timer are both still running when the file ends.
    const pending = runCommand(node, ['-e', 'setTimeout(() => {}, 3000)']);
    expect(pending).toBeInstanceOf(Promise);
  });
});

describe('toolVersion', () => {
  it('reads the version node prints', async () => {
    expect(await toolVersion(node)).toBe(process.versions.node);
  });
});

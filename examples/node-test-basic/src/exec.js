'use strict';

const { spawn } = require('node:child_process');

/**
 * @typedef {object} CommandResult
 * @property {number | null} code
 * @property {NodeJS.Signals | null} signal
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * Runs a command to completion and collects its output (no shell involved).
 *
 * @param {string} command
 * @param {string[]} [args]
 * @param {{ input?: string, cwd?: string, timeoutMs?: number }} [options]
 *   `input` is written to the child's stdin, which is then closed; the child is killed (SIGTERM) after
 *   `timeoutMs` (default 10 s).
 * @returns {Promise<CommandResult>}
 */
function runCommand(command, args = [], options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A command that exits without reading its input (`node --version`) may close the pipe before we are done
    // writing: that EPIPE is no failure of the command, whose exit code and output are what count.
    child.stdin.on('error', (error) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The version a CLI reports for `--version`, e.g. "20.19.0" for node or "2.43.0" for git. */
async function toolVersion(command) {
  const result = await runCommand(command, ['--version'], { timeoutMs: 5000 });
  if (result.code !== 0) throw new Error(`${command} --version exited with ${result.code}: ${result.stderr.trim()}`);
  const match = /\d+\.\d+\.\d+/.exec(result.stdout);
  if (!match) throw new Error(`${command} --version printed no version: ${result.stdout.trim()}`);
  return match[0];
}

module.exports = { runCommand, toolVersion };

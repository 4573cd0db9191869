import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** The child is killed (SIGTERM) after this long. Default 10 s. */
  timeoutMs?: number;
}

/** Runs a command to completion and collects its output (no shell involved). */
export function runCommand(command: string, args: string[] = [], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
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
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The version a CLI reports for `--version`, e.g. "20.19.0" for node or "2.43.0" for git. */
export async function toolVersion(command: string): Promise<string> {
  const result = await runCommand(command, ['--version'], { timeoutMs: 5000 });
  if (result.code !== 0) throw new Error(`${command} --version exited with ${result.code}: ${result.stderr.trim()}`);
  const match = /\d+\.\d+\.\d+/.exec(result.stdout);
  if (!match) throw new Error(`${command} --version printed no version: ${result.stdout.trim()}`);
  return match[0];
}

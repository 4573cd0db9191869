import path from 'node:path';
import { KIND_INFO } from './kinds.js';
import type { Finding } from './finding.js';

/**
 * How many leaks a LeakError lists. The runner prints it under the test or file it fails, once per file, so a file
 * with hundreds of leak sites would bury the run's output; the table and the reports list them all.
 */
export const LEAK_ERROR_MAX = 10;

/**
 * The error that fails a test or file in the runner's own output (Vitest or Jest). Its stack points at the leak's
 * site, so the runner shows the user's line in its code frame instead of leakwatch's internals.
 */
export function leakError(findings: Finding[], root: string): Error {
  const shown = findings.slice(0, LEAK_ERROR_MAX);
  const lines = shown.map((f) => {
    const where = f.site ? ` at ${f.site.file}:${f.site.line}:${f.site.column}` : '';
    return `- ${KIND_INFO[f.kind].label}${f.count > 1 ? ` ×${f.count}` : ''}${where}: ${f.message}`;
  });
  const more = findings.length - shown.length;
  if (more > 0) lines.push(`- and ${more} more: see leakwatch's table and reports`);
  const error = new Error(
    `leakwatch found ${findings.length} leak${findings.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
  );
  error.name = 'LeakError';
  const frames = shown
    .filter((f) => f.site)
    .map((f) => `    at ${path.resolve(root, f.site!.file)}:${f.site!.line}:${f.site!.column}`);
  error.stack = `${error.name}: ${error.message}${frames.length ? `\n${frames.join('\n')}` : ''}`;
  return error;
}

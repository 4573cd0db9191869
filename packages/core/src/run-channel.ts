/**
 * How a run's main process and its test processes talk, the same for every runner: one environment variable carries
 * the resolved options and a results directory; each test file's result is a JSON file there, read back by the run
 * collector (run.ts). Workers (forked processes and worker threads alike) inherit the variable when the runner starts
 * them, after the collector has set it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileResult } from './detector.js';
import type { ResolvedOptions } from './options.js';
import { fnv1a } from './hash.js';
import { writeFileAtomic } from './report/write.js';

export const RUN_ENV = 'LEAKWATCH_RUN';

export interface RunChannel {
  /** The main process that opened it: a test run started from inside a test (ours, a user's) must not join it. */
  pid: number;
  root: string;
  options: ResolvedOptions;
  /** Where the test processes put their file results. */
  dir: string;
  /**
   * The runner also keeps each file's result with its own (Vitest's blob reporter: a sharded run merged later on
   * another machine, where this directory is gone).
   */
  attach?: boolean;
}

export function publishChannel(channel: RunChannel, env: NodeJS.ProcessEnv = process.env): void {
  env[RUN_ENV] = JSON.stringify(channel);
}

/**
 * The channel of the run this process belongs to: opened by this process (in band, worker threads) or by its parent
 * (forked workers). An inherited variable of an outer run is ignored.
 */
export function joinRun(
  env: NodeJS.ProcessEnv = process.env,
  self: { pid: number; ppid: number } = process,
): RunChannel | undefined {
  const raw = env[RUN_ENV];
  if (!raw) return undefined;
  try {
    const channel = JSON.parse(raw) as RunChannel;
    return channel.pid === self.pid || channel.pid === self.ppid ? channel : undefined;
  } catch {
    return undefined;
  }
}

/** The file's base name, for whoever looks into the directory, and 64 bits of its path's hash. */
function resultFile(dir: string, testFile: string): string {
  const name = path
    .basename(testFile)
    .replace(/[^\w.-]/g, '_')
    .slice(0, 60);
  return path.join(dir, `${name}.${fnv1a(testFile, 0x811c9dc5)}${fnv1a(testFile, 0x050c5d1f)}.json`);
}

/** Stored with the test file's path, so a hash collision can never hand one file another's result. */
interface Sent {
  testFile: string;
  result: FileResult;
}

export function sendResult(channel: RunChannel, testFile: string, result: FileResult): void {
  // The main process removes the directory when it ends: a test process that outlives it (an interrupted run) has no
  // one to send to, and must not leave the directory behind again.
  if (!fs.existsSync(channel.dir)) return;
  const sent: Sent = { testFile, result };
  writeFileAtomic(resultFile(channel.dir, testFile), JSON.stringify(sent));
}

/** Every result sent so far: on an interrupt, the files already judged, whether or not the runner reported them. */
export function receiveAll(dir: string): FileResult[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const results: FileResult[] = [];
  for (const name of names) {
    // Only finished writes: a temp file is one being renamed into place right now.
    if (!name.endsWith('.json')) continue;
    try {
      results.push((JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Sent).result);
    } catch {
      // Removed meanwhile (a watch-mode rerun) or unreadable: that file is not in the interrupted run's report.
    }
  }
  return results;
}

export function receiveResult(dir: string, testFile: string): FileResult | undefined {
  try {
    const sent = JSON.parse(fs.readFileSync(resultFile(dir, testFile), 'utf8')) as Sent;
    return sent.testFile === testFile ? sent.result : undefined;
  } catch {
    return undefined;
  }
}

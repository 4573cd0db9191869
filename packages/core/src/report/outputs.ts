import path from 'node:path';
import type { ResolvedOptions } from '../options.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { LeakReport } from './model.js';
import { writeFileAtomic } from './write.js';

export interface WrittenReports {
  /** Absolute paths of the files written. */
  written: string[];
  /** One line per report that could not be written; the others are still written. */
  errors: string[];
}

/** Writes the configured report files (paths relative to the root), each independently of the other. */
export function writeReports(report: LeakReport, options: ResolvedOptions, root: string): WrittenReports {
  const result: WrittenReports = { written: [], errors: [] };
  const targets: Array<[string | undefined, (r: LeakReport) => string]> = [
    [options.outputFile.json, renderJson],
    [options.outputFile.junit, renderJunit],
  ];
  for (const [target, render] of targets) {
    if (!target) continue;
    const file = path.resolve(root, target);
    try {
      writeFileAtomic(file, render(report));
      result.written.push(file);
    } catch (error) {
      result.errors.push(`cannot write ${file}: ${(error as Error).message}`);
    }
  }
  return result;
}

import path from 'node:path';
import type { ResolvedOptions } from '../options.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { LeakReport } from './model.js';
import { writeFileAtomic } from './write.js';

export interface WrittenReports {
  json?: string;
  junit?: string;
}

/** Writes the configured report files (paths relative to the root) and returns their absolute paths. */
export function writeReports(report: LeakReport, options: ResolvedOptions, root: string): WrittenReports {
  const written: WrittenReports = {};
  if (options.outputFile.json) {
    written.json = path.resolve(root, options.outputFile.json);
    writeFileAtomic(written.json, renderJson(report));
  }
  if (options.outputFile.junit) {
    written.junit = path.resolve(root, options.outputFile.junit);
    writeFileAtomic(written.junit, renderJunit(report));
  }
  return written;
}

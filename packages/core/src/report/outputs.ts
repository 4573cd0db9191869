import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedOptions } from '../options.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { LeakReport } from './model.js';
import { writeFileAtomic } from './write.js';

export interface WrittenReports {
  /** Absolute paths of the files written. */
  written: string[];
  /** One message per report that could not be written, naming the path and the fix; the others are still written. */
  errors: string[];
}

interface Target {
  /** The option that names it, for the fix. */
  option: 'outputFile.json' | 'outputFile.junit';
  label: string;
  /** Absolute. */
  file: string;
  render: (r: LeakReport) => string;
}

/** The report files this run is configured to write (paths relative to the root), and nothing else. */
function targets(options: ResolvedOptions, root: string): Target[] {
  const all: Array<Omit<Target, 'file'> & { file: string | undefined }> = [
    { option: 'outputFile.json', label: 'JSON report', file: options.outputFile.json, render: renderJson },
    {
      option: 'outputFile.junit',
      label: 'JUnit report',
      file: options.outputFile.junit,
      render: (r) => renderJunit(r, options.junit),
    },
  ];
  return all.flatMap((t) => (t.file ? [{ ...t, file: path.resolve(root, t.file) }] : []));
}

/**
 * At the start of a run: the report files of an earlier run go, so that a run that is interrupted or crashes before
 * writing its own never leaves them to be uploaded as this run's. Only leakwatch's own configured paths are touched.
 * A file that cannot be removed is left: writing it at the end fails too, and says so.
 */
export function removeReports(options: ResolvedOptions, root: string): void {
  for (const { file } of targets(options, root)) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // A folder at that path, a parent that is a file, no permission: reported when the run writes it.
    }
  }
}

/** Writes the configured report files, each independently of the other. */
export function writeReports(report: LeakReport, options: ResolvedOptions, root: string): WrittenReports {
  const result: WrittenReports = { written: [], errors: [] };
  for (const target of targets(options, root)) {
    try {
      writeFileAtomic(target.file, target.render(report));
      result.written.push(target.file);
    } catch (error) {
      result.errors.push(cannotWrite(target, error as NodeJS.ErrnoException));
    }
  }
  return result;
}

/** The nearest existing ancestor of `file` that is not a folder, if any: a report cannot go under a regular file. */
function fileInTheWay(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      return fs.statSync(dir).isDirectory() ? undefined : dir;
    } catch {
      // Does not exist yet: writeFileAtomic creates it; look further up.
    }
  }
  return undefined;
}

/** What went wrong writing `target` and what to do about it, for a person reading a CI log. */
export function cannotWrite(target: Pick<Target, 'option' | 'label' | 'file'>, error: NodeJS.ErrnoException): string {
  const elsewhere = `or set ${target.option} (or LEAKWATCH_REPORT_DIR) to a path you can write`;
  const head = `leakwatch: cannot write the ${target.label} to ${target.file}`;
  const blocker = error.code === 'ENOTDIR' || error.code === 'EEXIST' ? fileInTheWay(target.file) : undefined;
  if (blocker) return `${head}: ${blocker} is a file, not a folder. Fix: move that file away, ${elsewhere}.`;
  if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS')
    return `${head}: permission denied (${error.code}). Fix: give this user write access to ${path.dirname(target.file)}, ${elsewhere}.`;
  if (error.code === 'EISDIR') return `${head}: that path is a folder. Fix: remove that folder, ${elsewhere}.`;
  return `${head}: ${error.message}. Fix: check that ${path.dirname(target.file)} can be written, ${elsewhere}.`;
}

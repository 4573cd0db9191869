import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type FileResult } from '@leakwatch/core/adapter';

/**
 * Jest workers are separate processes: each writes its file results into a run directory that the reporter in the
 * main process created, and the reporter merges them at the end of the run.
 */
export const RUN_DIR_ENV = 'LEAKWATCH_JEST_RUN_DIR';

function resultFile(runDir: string, testPath: string): string {
  return path.join(runDir, `${createHash('sha1').update(testPath).digest('hex').slice(0, 16)}.json`);
}

export function writeFileResult(runDir: string, testPath: string, result: FileResult): void {
  writeFileAtomic(resultFile(runDir, testPath), JSON.stringify(result));
}

export function readFileResult(runDir: string, testPath: string): FileResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(resultFile(runDir, testPath), 'utf8')) as FileResult;
  } catch {
    return undefined;
  }
}

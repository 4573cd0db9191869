import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveOptions } from '../../packages/core/src/options.js';
import { buildReport } from '../../packages/core/src/report/model.js';
import { cannotWrite, removeReports, writeReports } from '../../packages/core/src/report/outputs.js';
import { fileError } from '../../packages/core/src/report/publish.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-outputs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const target = (file: string) => ({ option: 'outputFile.json' as const, label: 'JSON report', file });
const errno = (code: string, message = `${code}: failed`) => Object.assign(new Error(message), { code });

describe('removeReports', () => {
  test('removes the configured report files, and nothing else in their folder', () => {
    const reports = path.join(dir, 'reports');
    fs.mkdirSync(reports);
    for (const name of ['leakwatch.json', 'leakwatch-junit.xml', 'other.json', 'leakwatch.json.bak'])
      fs.writeFileSync(path.join(reports, name), 'old');
    const options = resolveOptions(
      [{ outputFile: { json: 'reports/leakwatch.json', junit: 'reports/leakwatch-junit.xml' } }],
      {},
    );
    removeReports(options, dir);
    expect(fs.readdirSync(reports).sort()).toEqual(['leakwatch.json.bak', 'other.json']);
  });

  test('with no report configured, touches nothing; a path it cannot remove is left for the write to report', () => {
    const file = path.join(dir, 'leakwatch.json');
    fs.writeFileSync(file, 'not ours to remove');
    removeReports(resolveOptions([], {}), dir);
    expect(fs.readFileSync(file, 'utf8')).toBe('not ours to remove');
    // A folder where the report should be: no throw.
    fs.mkdirSync(path.join(dir, 'a-folder'));
    expect(() => removeReports(resolveOptions([{ outputFile: { json: 'a-folder' } }], {}), dir)).not.toThrow();
    expect(fs.statSync(path.join(dir, 'a-folder')).isDirectory()).toBe(true);
  });
});

describe('writeReports', () => {
  test("the JUnit report is written with the run's junit option", () => {
    const write = (junit: { fileAttributes?: boolean }) => {
      const options = resolveOptions([{ outputFile: { junit: 'junit/leakwatch-junit.xml' }, junit }], {});
      const report = buildReport({
        runner: 'vitest',
        startedAt: new Date(0),
        durationMs: 1,
        options,
        files: [{ file: 'a.test.ts', tests: [{ titlePath: ['runs'], state: 'passed' }] }],
        findings: [],
        errors: [],
      });
      expect(writeReports(report, options, dir).errors).toEqual([]);
      return fs.readFileSync(path.join(dir, 'junit', 'leakwatch-junit.xml'), 'utf8');
    };
    expect(write({ fileAttributes: true })).toContain(
      '<testcase name="runs" classname="a.test.ts" time="0.000" file="a.test.ts"/>',
    );
    expect(write({})).toContain('<testcase name="runs" classname="a.test.ts" time="0.000"/>');
  });
});

describe('cannotWrite names the path, the cause and the fix', () => {
  test('under a regular file', () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'sub', 'leakwatch.json');
    expect(cannotWrite(target(file), errno('ENOTDIR'))).toBe(
      `leakwatch: cannot write the JSON report to ${file}: ${blocker} is a file, not a folder. Fix: move that file away, or set outputFile.json (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
    );
  });

  test('permission denied (EACCES, EPERM, EROFS)', () => {
    const file = path.join(dir, 'locked', 'leakwatch.json');
    for (const code of ['EACCES', 'EPERM', 'EROFS'])
      expect(cannotWrite(target(file), errno(code))).toBe(
        `leakwatch: cannot write the JSON report to ${file}: permission denied (${code}). Fix: give this user write access to ${path.dirname(file)}, or set outputFile.json (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
      );
  });

  test('a folder at the path, and any other error with its own message', () => {
    const file = path.join(dir, 'leakwatch.json');
    expect(cannotWrite(target(file), errno('EISDIR'))).toBe(
      `leakwatch: cannot write the JSON report to ${file}: that path is a folder. Fix: remove that folder, or set outputFile.json (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
    );
    expect(cannotWrite(target(file), errno('ENOSPC', 'ENOSPC: no space left on device'))).toBe(
      `leakwatch: cannot write the JSON report to ${file}: ENOSPC: no space left on device. Fix: check that ${dir} can be written, or set outputFile.json (or LEAKWATCH_REPORT_DIR) to a path you can write.`,
    );
  });
});

describe('fileError: a file with no result from its worker', () => {
  const info = (states: Array<'passed' | 'failed' | 'skipped'>) => ({
    file: 'a.test.js',
    tests: states.map((state, i) => ({ titlePath: [`t${i}`], state })),
  });
  const result = { file: 'a.test.js', findings: [], errors: [] };

  test("is an error with the runner's cause (its first line), or that no result came back once tests ran", () => {
    expect(
      fileError({ info: info([]), runnerError: 'A worker process was terminated: signal=SIGKILL\n    at stack' }),
    ).toBe('A worker process was terminated: signal=SIGKILL');
    expect(fileError({ info: info(['passed', 'skipped']) })).toBe(
      'no result came back from its test process (it crashed or was killed before the file ended, or leakwatch was not active in it)',
    );
  });

  test('is no error when the file was judged, or when nothing of it ran', () => {
    expect(fileError({ info: info(['passed']), result, runnerError: 'failed to load' })).toBeUndefined();
    expect(fileError({ info: info(['skipped', 'skipped']) })).toBeUndefined();
    expect(fileError({ info: info([]), runnerError: '  ' })).toBeUndefined();
  });
});

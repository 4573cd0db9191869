import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { mapPosition } from '../../packages/core/src/sourcemap';
import {
  callerFile,
  captureStack,
  resolveStack,
  resolveStacksEagerlyWhen,
  NO_USER_FRAME,
} from '../../packages/core/src/stack';

// A runner maps its transformed code's frames through Error.prepareStackTrace only while it lives (Vite's module runner
// in Vitest's main process is closed before the run's end). These stand in for it with an interceptor that rewrites
// every frame to a known "original" position, then goes away before the stack is read.
const MAPPED = '/project/src/global-setup.ts';

function withInterceptor<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, sites) => `Error\n${sites.map(() => `    at setup (${MAPPED}:6:47)`).join('\n')}`;
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

function createResource(): ReturnType<typeof captureStack> {
  return captureStack(4, createResource);
}

describe('stacks taken while a runner maps them', () => {
  afterEach(() => resolveStacksEagerlyWhen(undefined));

  test('eager where asked: formatted through the interceptor present at capture, even once it is gone', () => {
    resolveStacksEagerlyWhen(() => true);
    const holder = withInterceptor(() => createResource());
    expect(resolveStack(holder).site).toMatchObject({ file: MAPPED, line: 6, column: 47 });
  });

  // Above this test's own function only Vitest's runner and Node are on the stack: the runner made the resource.
  test("eager and with no frame of the user's: not taken at all (never reported, and formatting it costs)", function madeHere() {
    resolveStacksEagerlyWhen(() => true);
    expect(withInterceptor(() => captureStack(16, madeHere))).toBe(NO_USER_FRAME);
    // The look-alike: one frame of this file above it, and the stack is the user's.
    const holder = withInterceptor(() => createResource());
    expect(holder).not.toBe(NO_USER_FRAME);
    expect(resolveStack(holder).site?.file).toBe(MAPPED);
    // Lazy, nothing is decided at capture.
    resolveStacksEagerlyWhen(() => false);
    expect(captureStack(16, madeHere)).not.toBe(NO_USER_FRAME);
  });

  test('lazy elsewhere: formatted when read, so an interceptor gone by then maps nothing', () => {
    resolveStacksEagerlyWhen(() => false);
    const holder = withInterceptor(() => createResource());
    const site = resolveStack(holder).site;
    expect(site?.file).toBe(__filename);
  });
});

// graceful-fs (Jest's runtime reads every source file with it) keeps fs's helpers from before leakwatch wrapped them:
// their fs.openSync call is recognised by its caller, fs itself, and never recorded (the fd is closed at once).
test("callerFile: fs for fs's own helpers, reached through a copy taken before the wrap; the caller otherwise", () => {
  const copy = { ...fs };
  const original = fs.openSync;
  const callers: (string | undefined)[] = [];
  const openSync = function openSync(this: unknown, ...args: Parameters<typeof fs.openSync>) {
    callers.push(callerFile(openSync));
    return original.apply(this, args);
  };
  fs.openSync = openSync;
  try {
    copy.readFileSync(__filename);
    fs.closeSync(fs.openSync(__filename, 'r'));
  } finally {
    fs.openSync = original;
  }
  expect(callers).toEqual(['node:fs', __filename]);
});

describe('source maps of files Node loaded itself', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-sourcemap-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an inline map longer than the last 4 KiB of the file is found', () => {
    // Generated line n is original line n + 2 (two lines of types removed), every line from column 0.
    const generated = ['"use strict";', 'const a = 1;', 'module.exports = a;'];
    const original = ['type A = number;', 'interface B {}', '"use strict";', 'const a: A = 1;', 'export = a;'];
    const map = {
      version: 3,
      sources: ['original.ts'],
      // A long original (comments, a big file) makes the inline map far longer than 4 KiB.
      sourcesContent: [`${original.join('\n')}\n// ${'x'.repeat(20_000)}\n`],
      names: [],
      mappings: ['AAEA', 'AACA', 'AACA'].join(';'),
    };
    const file = path.join(dir, 'compiled.js');
    const inline = Buffer.from(JSON.stringify(map)).toString('base64');
    fs.writeFileSync(
      file,
      `${generated.join('\n')}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}\n`,
    );
    expect(inline.length).toBeGreaterThan(4096);
    expect(mapPosition({ file, line: 2, column: 7 })).toMatchObject({ file: path.join(dir, 'original.ts'), line: 4 });
  });
});

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { mapPosition, rememberSourceMapsOnStack } from '../../packages/core/src/sourcemap.js';
import type { Frame } from '../../packages/core/src/stack.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-sourcemap-unit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One Base64 VLQ number, as the source map v3 format writes it. */
function vlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/**
 * A segment of a generated line, 1-based as stack frames are: at generated `column`, the code of `sources[source]`
 * at `line`:`col`, optionally named `names[name]`.
 */
interface Segment {
  column: number;
  source: number;
  line: number;
  col: number;
  name?: number;
}

/** The `mappings` string of segments given per generated line (the format's deltas and 0-based positions). */
function mappings(lines: Segment[][]): string {
  let source = 0;
  let line = 0;
  let col = 0;
  let name = 0;
  return lines
    .map((segments) => {
      let column = 0;
      return segments
        .map((s) => {
          let out = vlq(s.column - 1 - column) + vlq(s.source - source) + vlq(s.line - 1 - line) + vlq(s.col - 1 - col);
          column = s.column - 1;
          source = s.source;
          line = s.line - 1;
          col = s.col - 1;
          if (s.name !== undefined) {
            out += vlq(s.name - name);
            name = s.name;
          }
          return out;
        })
        .join(',');
    })
    .join(';');
}

// Generated code (what Node runs) and where its pieces came from: line 2's call at column 11 is `connect` on line 8,
// column 5 of the original; line 3 at column 3 is line 12, column 3. Line 1 maps nowhere.
const GENERATED = ['"use strict";', 'var a = b.connect(c);', '  poll();', ''].join('\n');
const SEGMENTS: Segment[][] = [
  [],
  [
    { column: 1, source: 0, line: 7, col: 1 },
    { column: 11, source: 0, line: 8, col: 5, name: 0 },
  ],
  [{ column: 3, source: 0, line: 12, col: 3 }],
];

function sourceMap(sources: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 3, sources, names: ['connect'], mappings: mappings(SEGMENTS), ...extra };
}

/** Writes `name` under the temp dir (its folders too); each test uses its own names: maps are cached per file. */
function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

function frame(file: string, line: number, column: number, fn?: string): Frame {
  return { file, line, column, fn };
}

describe('mapPosition', () => {
  test('an inline base64 map: the frame is moved to the original file, line, column and name', () => {
    const map = Buffer.from(JSON.stringify(sourceMap(['../src/inline.ts']))).toString('base64');
    const file = write(
      'dist/inline.js',
      `${GENERATED}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${map}\n`,
    );
    const original = path.join(dir, 'src', 'inline.ts');
    expect(mapPosition(frame(file, 2, 11, 'Object.<anonymous>'))).toEqual(frame(original, 8, 5, 'connect'));
    // Between two segments: the one before it, and the frame's own name where the map has none.
    expect(mapPosition(frame(file, 2, 7, 'open'))).toEqual(frame(original, 7, 1, 'open'));
    // Frames count columns from 1, maps from 0: column 10 is still before the segment at 11.
    expect(mapPosition(frame(file, 2, 10))).toEqual(frame(original, 7, 1));
    expect(mapPosition(frame(file, 3, 5))).toEqual(frame(original, 12, 3));
  });

  test('an inline map written as percent-encoded JSON, not base64', () => {
    const map = encodeURIComponent(JSON.stringify(sourceMap(['uri.ts'])));
    const file = write('uri/uri.js', `${GENERATED}//# sourceMappingURL=data:application/json,${map}\n`);
    expect(mapPosition(frame(file, 2, 11))).toEqual(frame(path.join(dir, 'uri', 'uri.ts'), 8, 5, 'connect'));
  });

  test('a map file beside the code: sources resolve from where the map is', () => {
    // The map is in another folder than the code: `../src/beside.ts` is relative to the map, not to the code.
    write('maps/deep/beside.js.map', JSON.stringify(sourceMap(['../../src/beside.ts'])));
    const file = write('dist/beside.cjs', `${GENERATED}//# sourceMappingURL=../maps/deep/beside.js.map\n`);
    expect(mapPosition(frame(file, 2, 11))).toEqual(frame(path.join(dir, 'src', 'beside.ts'), 8, 5, 'connect'));
  });

  test('a map named by a file: URL, with file: URL sources and a sourceRoot', () => {
    const mapFile = write(
      'url/next.mjs.map',
      JSON.stringify(sourceMap([pathToFileURL(path.join(dir, 'url/orig.ts')).href])),
    );
    const file = write('url/next.mjs', `${GENERATED}//# sourceMappingURL=${pathToFileURL(mapFile).href}\n`);
    expect(mapPosition(frame(file, 3, 3))).toEqual(frame(path.join(dir, 'url', 'orig.ts'), 12, 3));

    write('root/root.js.map', JSON.stringify(sourceMap(['root.ts'], { sourceRoot: '../lib/' })));
    const rooted = write('root/root.js', `${GENERATED}//# sourceMappingURL=root.js.map\n`);
    expect(mapPosition(frame(rooted, 2, 11))).toEqual(frame(path.join(dir, 'lib', 'root.ts'), 8, 5, 'connect'));
  });

  test('the last sourceMappingURL comment wins (an earlier one can be a string in the code)', () => {
    write('last/real.js.map', JSON.stringify(sourceMap(['real.ts'])));
    const code = `${GENERATED.replace('poll();', 'poll("//# sourceMappingURL=wrong.js.map");')}`;
    const file = write('last/last.js', `${code}//# sourceMappingURL=real.js.map\n`);
    expect(mapPosition(frame(file, 2, 11))).toEqual(frame(path.join(dir, 'last', 'real.ts'), 8, 5, 'connect'));
  });

  test('a file without a map, a position the map does not cover, or a file that is not JavaScript keeps its frame', () => {
    const plain = write('plain/plain.js', GENERATED);
    expect(mapPosition(frame(plain, 2, 11, 'f'))).toEqual(frame(plain, 2, 11, 'f'));

    write('plain/covered.js.map', JSON.stringify(sourceMap(['covered.ts'])));
    const covered = write('plain/covered.js', `${GENERATED}//# sourceMappingURL=covered.js.map\n`);
    // Line 1 has no segment, line 40 does not exist.
    expect(mapPosition(frame(covered, 1, 1))).toEqual(frame(covered, 1, 1));
    expect(mapPosition(frame(covered, 40, 2))).toEqual(frame(covered, 40, 2));

    write('plain/typed.ts.map', JSON.stringify(sourceMap(['elsewhere.ts'])));
    const typed = write('plain/typed.ts', `${GENERATED}//# sourceMappingURL=typed.ts.map\n`);
    expect(mapPosition(frame(typed, 2, 11))).toEqual(frame(typed, 2, 11));

    for (const f of [frame('node:internal/timers', 3, 4), frame(path.join(dir, 'missing.js'), 1, 1)]) {
      expect(mapPosition(f)).toEqual(f);
    }
  });

  test('a broken map never throws: the frame keeps its position', () => {
    const cases = {
      'broken/json.js': `${GENERATED}//# sourceMappingURL=data:application/json;base64,${Buffer.from('{"version":3,').toString('base64')}\n`,
      'broken/uri.js': `${GENERATED}//# sourceMappingURL=data:application/json,%E0%A4%A\n`,
      'broken/missing.js': `${GENERATED}//# sourceMappingURL=nowhere.js.map\n`,
      'broken/not-a-map.js': `${GENERATED}//# sourceMappingURL=data:application/json;base64,${Buffer.from('[1,2,3]').toString('base64')}\n`,
      'broken/bad-url.js': `${GENERATED}//# sourceMappingURL=file://remote-host/x.map\n`,
      'broken/folder.js': `${GENERATED}//# sourceMappingURL=.\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = write(name, text);
      expect(() => mapPosition(frame(file, 2, 11)), name).not.toThrow();
      expect(mapPosition(frame(file, 2, 11)), name).toEqual(frame(file, 2, 11));
    }
  });

  test('a map is read once per file: later changes to it are not seen', () => {
    const mapFile = write('cached/c.js.map', JSON.stringify(sourceMap(['first.ts'])));
    const file = write('cached/c.js', `${GENERATED}//# sourceMappingURL=c.js.map\n`);
    expect(mapPosition(frame(file, 2, 11)).file).toBe(path.join(dir, 'cached', 'first.ts'));
    fs.writeFileSync(mapFile, JSON.stringify(sourceMap(['second.ts'])));
    expect(mapPosition(frame(file, 2, 11)).file).toBe(path.join(dir, 'cached', 'first.ts'));
  });
});

describe('rememberSourceMapsOnStack', () => {
  test('reads the maps of matching files on the calling stack, so their frames map once the files are gone', () => {
    // A bundle that calls back into the caller at generated line 2, column 11 (`b.connect(c)`), then is deleted.
    write('gone/bundle.js.map', JSON.stringify(sourceMap(['bundle.ts'])));
    const code = ['"use strict";', 'module.exports = (b, c) => b.connect(c);', ''].join('\n');
    const file = write('gone/bundle.js', `${code}//# sourceMappingURL=bundle.js.map\n`);
    const run = createRequire(import.meta.url)(file) as (b: { connect(c: RegExp): void }, c: RegExp) => void;
    let seen: Frame | undefined;
    run(
      {
        connect(re) {
          const holder: { stack?: string } = {};
          Error.captureStackTrace(holder);
          const line = holder.stack!.split('\n').find((l) => l.includes(file))!;
          const m = /:(\d+):(\d+)\)?$/.exec(line)!;
          seen = frame(file, Number(m[1]), Number(m[2]));
          rememberSourceMapsOnStack(re);
        },
      },
      /[\\/]gone[\\/]bundle\.js$/,
    );
    // V8 points at the call's property access: the column of `connect` in `b.connect(c)`.
    expect(seen).toEqual(frame(file, 2, 30));
    fs.rmSync(path.join(dir, 'gone'), { recursive: true });
    expect(mapPosition(seen!)).toEqual(frame(path.join(dir, 'gone', 'bundle.ts'), 8, 5, 'connect'));
  });

  test('files the pattern does not match are left unread: once gone, their frames keep their positions', () => {
    write('gone2/other.js.map', JSON.stringify(sourceMap(['other.ts'])));
    const code = ['"use strict";', 'module.exports = (b, c) => b.connect(c);', ''].join('\n');
    const file = write('gone2/other.js', `${code}//# sourceMappingURL=other.js.map\n`);
    const run = createRequire(import.meta.url)(file) as (b: { connect(c: RegExp): void }, c: RegExp) => void;
    // other.js is on the stack, but the pattern names another file.
    run({ connect: (re) => rememberSourceMapsOnStack(re) }, /[\\/]gone2[\\/]bundle\.js$/);
    fs.rmSync(path.join(dir, 'gone2'), { recursive: true });
    expect(mapPosition(frame(file, 2, 30))).toEqual(frame(file, 2, 30));
  });
});

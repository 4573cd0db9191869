import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceMap } from '@jridgewell/trace-mapping';
import { traceMapping } from './lazy.js';
import { parseStack, type Frame } from './stack.js';

// Vitest and Jest already map the frames of files they transform (through Error.prepareStackTrace, see
// resolveStacksEagerlyWhen in stack.ts); this covers code Node loaded itself (a compiled helper in dist/ with a .map
// beside it or an inline one), and costs one read per file, only for reported frames.
const cache = new Map<string, TraceMap | null>();

const MAP_URL_RE = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;

function loadMap(file: string): TraceMap | null {
  if (cache.has(file)) return cache.get(file)!;
  let map: TraceMap | null = null;
  try {
    if (/\.(?:c|m)?js$/.test(file)) {
      const code = fs.readFileSync(file, 'utf8');
      // From the last such comment on: an inline map can be longer than any fixed tail of the file.
      const m = MAP_URL_RE.exec(code.slice(Math.max(0, code.lastIndexOf('sourceMappingURL=') - 4)));
      if (m) {
        const url = m[1]!;
        let json: string;
        let mapUrl = file;
        if (url.startsWith('data:')) {
          const comma = url.indexOf(',');
          const data = url.slice(comma + 1);
          json = url.slice(0, comma).includes(';base64')
            ? Buffer.from(data, 'base64').toString('utf8')
            : decodeURIComponent(data);
        } else {
          const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(file), url);
          json = fs.readFileSync(mapFile, 'utf8');
          mapUrl = mapFile;
        }
        map = new (traceMapping().TraceMap)(json, mapUrl);
      }
    }
  } catch {
    map = null;
  }
  cache.set(file, map);
  return map;
}

/**
 * Reads the source map of every frame of the calling stack whose file matches `file`, while it still exists: Vite
 * bundles an ES module config into node_modules/.vite-temp and deletes the bundle once imported, so frames of the
 * config's plugin hooks, which run later, point into a file that is gone by the time they are mapped.
 */
export function rememberSourceMapsOnStack(file: RegExp): void {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, rememberSourceMapsOnStack);
  for (const frame of parseStack(holder.stack)) if (file.test(frame.file)) loadMap(frame.file);
}

export function mapPosition(frame: Frame): Frame {
  const map = loadMap(frame.file);
  if (!map) return frame;
  const pos = traceMapping().originalPositionFor(map, { line: frame.line, column: Math.max(0, frame.column - 1) });
  if (pos.source == null || pos.line == null) return frame;
  let source = pos.source;
  if (source.startsWith('file:')) source = fileURLToPath(source);
  else if (!path.isAbsolute(source)) source = path.resolve(path.dirname(frame.file), source);
  return { file: source, line: pos.line, column: (pos.column ?? 0) + 1, fn: pos.name ?? frame.fn };
}

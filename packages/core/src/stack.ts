import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapPosition } from './sourcemap.js';

export interface Frame {
  file: string;
  line: number;
  column: number;
  fn?: string;
}

/** What captureStack returns: V8 formats `.stack` lazily, so a capture costs little until a leak is reported. */
export interface StackHolder {
  stack?: string;
}

/**
 * Records the call stack above `above` (the public function the user called, e.g. a wrapped setTimeout),
 * so leakwatch's own frames never appear and the user's line is the first frame.
 */
export function captureStack(limit: number, above: Function): StackHolder {
  const holder: StackHolder = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = previous;
  return holder;
}

const FRAME_RE = /^\s*at (?:(?:async )?(.*?) \()?(.*?):(\d+):(\d+)\)?\s*$/;

export function parseStack(stack: string | undefined): Frame[] {
  if (!stack) return [];
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = FRAME_RE.exec(line);
    if (!m) continue;
    let file = m[2]!;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    frames.push({ file, line: Number(m[3]), column: Number(m[4]), fn: m[1] || undefined });
  }
  return frames;
}

/** Frames of the test runners themselves: a resource whose stack has nothing but these belongs to the runner. */
const RUNNER_PATTERNS = [
  /[\\/]node_modules[\\/](?:vitest|@vitest[\\/][^\\/]+|vite|vite-node|tinypool|birpc|tinyspy|jest-[^\\/]+|@jest[\\/][^\\/]+|expect|pretty-format)[\\/]/,
  /[\\/]packages[\\/](?:vitest|jest)[\\/]dist[\\/]/,
  /[\\/]@leakwatch[\\/]/,
];

export type FrameOrigin = 'internal' | 'runner' | 'library' | 'user';

export function frameOrigin(frame: Frame): FrameOrigin {
  const f = frame.file;
  if (f.startsWith('node:') || f.startsWith('internal/') || !(f.includes('/') || f.includes('\\'))) return 'internal';
  if (RUNNER_PATTERNS.some((re) => re.test(f))) return 'runner';
  if (/[\\/]node_modules[\\/]/.test(f)) return 'library';
  return 'user';
}

export interface ResolvedStack {
  /** The first user frame, source-mapped; null when the stack holds no user code. */
  site: Frame | null;
  /** True when no user or library frame is present but the runner's are: the runner owns the resource. */
  runnerOwned: boolean;
  /** Source-mapped frames outside node internals and the runner, user frames first. */
  frames: Frame[];
}

export function resolveStack(holder: StackHolder | undefined): ResolvedStack {
  const raw = parseStack(holder?.stack);
  const frames: Frame[] = [];
  let sawRunner = false;
  let sawOther = false;
  for (const frame of raw) {
    const origin = frameOrigin(frame);
    if (origin === 'internal') continue;
    // The runner's frames say nothing to the user and would bury the useful ones: they only decide ownership.
    if (origin === 'runner') {
      sawRunner = true;
      continue;
    }
    sawOther = true;
    frames.push(mapPosition(frame));
  }
  const user = frames.filter((f) => frameOrigin(f) === 'user');
  const rest = frames.filter((f) => frameOrigin(f) !== 'user');
  return { site: user[0] ?? null, runnerOwned: sawRunner && !sawOther, frames: [...user, ...rest] };
}

/** Paths in reports are relative to the project root with forward slashes, so ids match across machines. */
export function relativePath(root: string, file: string): string {
  const rel = path.isAbsolute(file) ? path.relative(root, file) : file;
  return rel.split(path.sep).join('/');
}

export function formatFrame(root: string, frame: Frame): string {
  const where = `${relativePath(root, frame.file)}:${frame.line}:${frame.column}`;
  return frame.fn ? `${frame.fn} (${where})` : where;
}

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

let eagerWhen: (() => boolean) | undefined;

/**
 * Where a stack must be formatted when it is taken, not when a leak is reported (`when` is asked at each capture).
 *
 * A runner maps the frames of code it transformed through `Error.prepareStackTrace`, which V8 calls when `.stack` is
 * first read, and only while the runner lives: in Vitest's main process, the module runner that loads globalSetup
 * (Vite's `ModuleRunner`, which installs the interceptor) is closed, its modules and their inline source maps dropped,
 * before leakwatch reports what still keeps the process alive, and a stack formatted then shows positions in Vite's
 * transformed code (lines off by as many as the transform added or removed, the code frame on the wrong line).
 * Formatted at capture, the interceptor is there. Costs 20-130 microseconds per capture once Vite's interceptor is
 * warm (the first few take milliseconds), so only where few resources are made: the runner's main process, 30-45
 * captures a run whatever its number of tests (measured: 12-16 ms a run in all). In test files `.stack` stays lazy,
 * read at judgement while the runner still maps it.
 */
export function resolveStacksEagerlyWhen(when: (() => boolean) | undefined): void {
  eagerWhen = when;
}

/**
 * Records the call stack above `above` (the public function the user called, e.g. a wrapped setTimeout),
 * so leakwatch's own frames never appear and the user's line is the first frame.
 */
export function captureStack(limit: number, above: Function): StackHolder {
  const eager = eagerWhen?.() === true;
  const holder: StackHolder = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  try {
    if (eager && withoutUserFrame(above)) return NO_USER_FRAME;
    Error.captureStackTrace(holder, above);
  } finally {
    Error.stackTraceLimit = previous;
  }
  // Reading `.stack` makes V8 format it now, through the Error.prepareStackTrace installed at this moment.
  if (eager) void holder.stack;
  return holder;
}

/**
 * The stack of a resource made with no user frame on it (the pool spawning a worker per test file, its pipes, the
 * files it reads, the fake timers a Jest environment probes at construction): never reported (resolveStack would find
 * no user site), so not recorded.
 */
export const NO_USER_FRAME: StackHolder = Object.freeze({});

/**
 * Whether no frame above `above` can be the user's, read from V8's structured call sites: formatting the stack eagerly
 * through the runner's source-map interceptor cost the main process ~0.5 ms a resource, for a few resources per test
 * file. A package's frame is no user's, except in a bundle of the user's own code that maps back to it (Vite's bundle
 * of an ES module config under node_modules/.vite-temp).
 */
function withoutUserFrame(above: Function): boolean {
  const sites = callSites(above);
  if (sites === undefined || sites.length === 0) return false;
  return sites.every((site) => {
    const file = site.getFileName();
    if (!file) return true;
    const origin = frameOrigin({ file, line: 0, column: 0 });
    return origin === 'internal' || origin === 'runner' || (origin === 'library' && !USER_BUNDLE.test(file));
  });
}

const USER_BUNDLE = /[\\/]node_modules[\\/]\.vite-temp[\\/]/;

/** The file of the function that called `above` (`node:fs` for fs's own helpers), from one structured frame. */
export function callerFile(above: Function): string | undefined {
  const previous = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    return callSites(above)?.[0]?.getFileName() ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.stackTraceLimit = previous;
  }
}

/** V8's structured call sites above `above`, up to Error.stackTraceLimit, without formatting them. */
function callSites(above: Function): NodeJS.CallSite[] | undefined {
  const prepare = Error.prepareStackTrace;
  const target: { stack?: unknown } = {};
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.captureStackTrace(target, above);
    const sites = target.stack;
    return Array.isArray(sites) ? sites : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
  }
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
  /[\\/]node_modules[\\/](?:vitest|@vitest[\\/][^\\/]+|vite|vite-node|tinypool|birpc|tinyspy|jest-[^\\/]+|@jest[\\/][^\\/]+|expect|pretty-format|mocha)[\\/]/,
  /[\\/]packages[\\/](?:core|vitest|jest|mocha|node-test)[\\/]dist[\\/]/,
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

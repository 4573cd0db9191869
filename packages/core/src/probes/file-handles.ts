import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { callerFile, captureStack, type StackHolder } from '../stack.js';
import type { ResourceType, Tracked, Tracker } from '../tracker.js';
import { replace, type Restore } from './patch.js';

/** A numeric descriptor from fs.open/openSync; the object identity is what the tracker keys on. */
interface FdResource {
  fd: number;
  path: string;
  /** What /proc/self/fd/<fd> pointed to at open, so a reused fd number is not mistaken for ours. */
  target: string | null;
  closed: boolean;
}

const originalCloseSync = fs.closeSync;

function fdTarget(fd: number): string | null {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

export const fdType: ResourceType<FdResource> = {
  kind: 'file-handle',
  // Descriptors are invisible to async_hooks; close() through fs marks ours, and /proc catches closes that bypass it.
  isOpen: (r) => {
    if (r.closed) return false;
    if (r.target === null) return true;
    return fdTarget(r.fd) === r.target;
  },
  // A descriptor never reopens: closed through fs, or its number now points elsewhere.
  isClosed: (r) => !fdType.isOpen(r),
  details: (r) => ({ api: 'fs.open', fd: r.fd, path: r.path }),
  // Only while the number still points at what we opened: a reused fd belongs to someone else.
  close: (r) => {
    if (fdType.isOpen(r)) originalCloseSync(r.fd);
    r.closed = true;
  },
};

export const fileHandleType: ResourceType<FileHandle> = {
  kind: 'file-handle',
  isOpen: (h) => h.fd !== -1,
  isClosed: (h) => h.fd === -1,
  details: (h: any) => ({ api: 'fs.promises.open', fd: h.fd, path: h[kPath] }),
  close: async (h) => {
    await h.close();
  },
};

const kPath = Symbol('leakwatch.path');

export function installFileHandles(tracker: Tracker): Restore {
  const byFd = new Map<number, Tracked<FdResource>>();
  const remember = (fd: number, path: unknown, above: Function, stack?: StackHolder) => {
    const resource: FdResource = { fd, path: String(path), target: fdTarget(fd), closed: false };
    const record = tracker.track(fdType, resource, above, stack);
    if (record) byFd.set(fd, record);
  };
  const forget = (fd: unknown) => {
    if (typeof fd !== 'number') return;
    const record = byFd.get(fd);
    if (!record) return;
    record.resource.closed = true;
    byFd.delete(fd);
    tracker.forget(record);
  };

  const originals = {
    open: fs.open,
    openSync: fs.openSync,
    close: fs.close,
    closeSync: fs.closeSync,
    promisesOpen: fs.promises.open,
  };

  /**
   * fs's own synchronous helpers (readFileSync of a Buffer, truncateSync) open a descriptor through fs.openSync and
   * close it before they return: it can never leak, and tracking it cost a stack and a readlink per call (Jest reads
   * every source file that way).
   */
  let insideSyncHelper = 0;
  const selfClosing = (name: 'readFileSync' | 'truncateSync' | 'writeFileSync' | 'appendFileSync') => {
    const original = (fs as any)[name] as Function;
    const wrapped = {
      [name](this: unknown, ...args: unknown[]) {
        insideSyncHelper++;
        try {
          return original.apply(this, args);
        } finally {
          insideSyncHelper--;
        }
      },
    }[name]!;
    return replace(fs as any, name, wrapped);
  };

  const wrappedOpenSync = function openSync(this: unknown, ...args: unknown[]) {
    const fd = (originals.openSync as any).apply(this, args);
    // The helpers above reached through a copy of fs taken before leakwatch wrapped them (graceful-fs, which Jest's
    // runtime reads every source file with): their call to fs.openSync comes from fs itself, seen in one frame.
    if (insideSyncHelper === 0 && callerFile(wrappedOpenSync) !== 'node:fs') remember(fd, args[0], wrappedOpenSync);
    return fd;
  };
  const wrappedOpen = function open(this: unknown, ...args: any[]) {
    const callbackIndex = args.findIndex((a) => typeof a === 'function');
    if (callbackIndex !== -1) {
      const callback = args[callbackIndex];
      // The stack is taken now, at the user's call; the fd arrives later.
      const site = captureStack(tracker.stackFrames, wrappedOpen);
      args[callbackIndex] = function (this: unknown, err: unknown, fd: number) {
        if (!err) remember(fd, args[0], wrappedOpen, site);
        return callback.call(this, err, fd);
      };
    }
    return (originals.open as any).apply(this, args);
  };
  const wrappedClose = function close(this: unknown, ...args: unknown[]) {
    forget(args[0]);
    return (originals.close as any).apply(this, args);
  };
  const wrappedCloseSync = function closeSync(this: unknown, ...args: unknown[]) {
    forget(args[0]);
    return (originals.closeSync as any).apply(this, args);
  };
  const wrappedPromisesOpen = async function open(this: unknown, ...args: unknown[]) {
    // Capture synchronously: after the await the stack holds no user frame.
    const record = tracker.track(fileHandleType, { fd: -2 } as any, wrappedPromisesOpen);
    try {
      const handle = await (originals.promisesOpen as any).apply(this, args);
      if (record) {
        handle[kPath] = String(args[0]);
        record.resource = handle;
      }
      return handle;
    } catch (error) {
      tracker.forget(record);
      throw error;
    }
  };

  const restores = [
    replace(fs as any, 'openSync', wrappedOpenSync),
    replace(fs as any, 'open', wrappedOpen),
    replace(fs as any, 'close', wrappedClose),
    replace(fs as any, 'closeSync', wrappedCloseSync),
    replace(fs.promises as any, 'open', wrappedPromisesOpen),
    selfClosing('readFileSync'),
    selfClosing('truncateSync'),
    selfClosing('writeFileSync'),
    selfClosing('appendFileSync'),
  ];
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

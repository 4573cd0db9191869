import childProcess, { type ChildProcess } from 'node:child_process';
import type { ResourceType, Tracker } from '../tracker.js';
import { originalTimers } from '../originals.js';
import { handleHasRef, replace, type Restore } from './patch.js';

const originalSetTimeout = originalTimers.setTimeout;
const originalClearTimeout = originalTimers.clearTimeout;

export const childProcessType: ResourceType<ChildProcess> = {
  kind: 'child-process',
  // The child's stdio pipes and IPC channel belong to it: a running child is one finding, however many it has. After
  // exit the process handle is gone, but a grandchild that inherited the pipes keeps them open, and with them this
  // process: the child is still open until they close. A killed child that has not exited yet is closing and settles.
  isOpen: (c) => handleHasRef((c as any)._handle) || stdioHasRef(c) || handleHasRef(ipcHandle(c)),
  // Exited (or never spawned); asked only once it is not open, so its pipes are closed or unref'ed too.
  isClosed: (c) => (c as any)._handle == null,
  details: (c) => ({ pid: c.pid, command: c.spawnfile, args: c.spawnargs?.slice(1) }),
  close: (c) => stopChild(c),
};

function stdioHasRef(child: ChildProcess): boolean {
  return (child.stdio ?? []).some((s: any) => s && !s.destroyed && handleHasRef(s._handle));
}

/**
 * The IPC channel's Pipe handle (fork, or an 'ipc' stdio entry). `child.channel` is a wrapper without hasRef() that
 * keeps the Pipe in a private field; lib/internal/child_process.js also keeps it on the child under the symbol
 * kChannelHandle (Node 20, 22 and 24). It holds the process even after child.unref(). Were the symbol renamed, an
 * unref'ed child with a live channel would no longer be reported; nothing else changes.
 */
function ipcHandle(child: ChildProcess): unknown {
  if (!child.connected) return undefined;
  // Not privateSymbol(): its cache is per constructor, and only the children with a channel have this symbol.
  const kChannelHandle = Object.getOwnPropertySymbols(child).find((s) => s.description === 'kChannelHandle');
  return kChannelHandle ? (child as any)[kChannelHandle] : undefined;
}

/** A leaked child may ignore SIGTERM: give it a grace period, then SIGKILL, and wait for the exit either way. */
const TERM_GRACE_MS = 1000;
const KILL_WAIT_MS = 1000;

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) originalClearTimeout(timer);
      releaseStdio(child);
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
    timer = originalSetTimeout(() => {
      child.kill('SIGKILL');
      timer = originalSetTimeout(done, KILL_WAIT_MS);
      timer.unref();
    }, TERM_GRACE_MS);
    timer.unref();
  });
}

/**
 * Once the child is gone, its pipes and channel are closed on our side: a grandchild that inherited them (`sh -c
 * 'sleep 30; ...'`) would otherwise keep them open, and the process alive, until it exits. After the exit, not
 * before: a child that handles SIGTERM can still write to its listeners while it stops.
 */
function releaseStdio(child: ChildProcess): void {
  // Runs in the child's 'exit' listener: a throw here would surface in the user's process.
  try {
    for (const stream of child.stdio ?? []) {
      if (stream && !stream.destroyed) stream.destroy();
    }
    if (child.connected) child.disconnect();
  } catch {
    // Left as they are: the reap budget bounds the wait, and the run goes on.
  }
}

/** spawn, exec, execFile and fork all go through ChildProcess.prototype.spawn; the *Sync variants finish by themselves. */
export function installChildProcesses(tracker: Tracker): Restore {
  const proto = (childProcess.ChildProcess as any).prototype;
  const originalSpawn = proto.spawn;
  const wrapped = function spawn(this: ChildProcess, ...args: unknown[]): unknown {
    const result: unknown = originalSpawn.apply(this, args);
    tracker.track(childProcessType, this, wrapped);
    return result;
  };
  return replace(proto, 'spawn', wrapped);
}

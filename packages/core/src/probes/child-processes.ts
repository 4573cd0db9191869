import childProcess, { type ChildProcess } from 'node:child_process';
import type { ResourceType, Tracker } from '../tracker.js';
import { originalTimers } from '../originals.js';
import { handleHasRef, replace, type Restore } from './patch.js';

const originalSetTimeout = originalTimers.setTimeout;
const originalClearTimeout = originalTimers.clearTimeout;

export const childProcessType: ResourceType<ChildProcess> = {
  kind: 'child-process',
  // The child's stdio pipes belong to it: a running child is one finding, however many pipes it has.
  // After exit the handle is gone; a killed child that has not exited yet is closing and settles.
  isOpen: (c) => {
    const handle = (c as any)._handle;
    if (handle == null) return false;
    return handleHasRef(handle) || c.stdio.some((s: any) => s && !s.destroyed && handleHasRef(s._handle));
  },
  details: (c) => ({ pid: c.pid, command: c.spawnfile, args: c.spawnargs?.slice(1) }),
  close: (c) => stopChild(c),
};

/** A leaked child may ignore SIGTERM: give it a grace period, then SIGKILL, and wait for the exit either way. */
const TERM_GRACE_MS = 1000;
const KILL_WAIT_MS = 1000;

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) originalClearTimeout(timer);
      resolve();
    };
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

/**
 * Every probe leakwatch installs, with the kinds it finds: the one list the detector reads. A probe whose kinds are
 * all 'off' is not installed (nothing of it is patched); one that fails to install is reported by its name and the
 * others still run.
 */
import type { Kind } from '../kinds.js';
import type { Tracker } from '../tracker.js';
import { installChildProcesses } from './child-processes.js';
import { installNodeSqlite } from './db/node-sqlite.js';
import { installDrivers } from './drivers.js';
import { installFileHandles } from './file-handles.js';
import { installFsWatchers } from './fs-watchers.js';
import type { ListenersProbe } from './listeners.js';
import { installMessagePorts } from './message-ports.js';
import type { Restore } from './patch.js';
import { installServers } from './servers.js';
import { installSockets } from './sockets.js';
import { installSqlite } from './sqlite.js';
import { installTimerPromises } from './timer-promises.js';
import { installTimers } from './timers.js';
import { installWorkers } from './workers.js';

/** What a probe patches into: the tracker for resources, and the per-test measuring probes it feeds. */
export interface ProbeContext {
  tracker: Tracker;
  listeners: ListenersProbe;
}

export interface Probe {
  name: string;
  kinds: readonly Kind[];
  install(context: ProbeContext): Restore;
}

/** Heap growth and globals need no patch: they are measured at each test's start and end (heap.ts, globals.ts). */
export const PROBES: readonly Probe[] = [
  { name: 'timers', kinds: ['timer'], install: ({ tracker }) => installTimers(tracker) },
  { name: 'timers/promises', kinds: ['timer'], install: ({ tracker }) => installTimerPromises(tracker) },
  { name: 'sockets', kinds: ['socket'], install: ({ tracker }) => installSockets(tracker) },
  { name: 'servers', kinds: ['server'], install: ({ tracker }) => installServers(tracker) },
  { name: 'child processes', kinds: ['child-process'], install: ({ tracker }) => installChildProcesses(tracker) },
  { name: 'workers', kinds: ['worker'], install: ({ tracker }) => installWorkers(tracker) },
  { name: 'message ports', kinds: ['message-port'], install: ({ tracker }) => installMessagePorts(tracker) },
  { name: 'fs watchers', kinds: ['fs-watcher'], install: ({ tracker }) => installFsWatchers(tracker) },
  { name: 'file handles', kinds: ['file-handle'], install: ({ tracker }) => installFileHandles(tracker) },
  // better-sqlite3 databases are 'sqlite', sqlite3's (an async driver's connection) 'db-connection'.
  { name: 'sqlite addons', kinds: ['sqlite', 'db-connection'], install: ({ tracker }) => installSqlite(tracker) },
  { name: 'node:sqlite', kinds: ['sqlite'], install: ({ tracker }) => installNodeSqlite(tracker) },
  { name: 'database drivers', kinds: ['db-connection'], install: ({ tracker }) => installDrivers(tracker) },
  { name: 'process listeners', kinds: ['listener'], install: ({ listeners }) => listeners.install() },
];

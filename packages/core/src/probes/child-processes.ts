import childProcess, { type ChildProcess } from 'node:child_process';
import type { DetailsView, ResourceType, Tracker } from '../tracker.js';
import { originalTimers } from '../originals.js';
import { redactArgs, redactValue, redactWords } from '../redact.js';
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
  details: (c, view) => describeChild(c.pid, c.spawnfile, c.spawnargs?.slice(1) ?? [], view),
  close: (c) => stopChild(c),
};

/** The last part of a path, either separator: a report names the program, not where it lives. */
const baseName = (file: string): string => file.split(/[\\/]/).pop() || file;

const SHELLS = /^(?:sh|bash|dash|zsh|ksh|mksh|ash|busybox)$/;

/**
 * The script a shell was given: `exec()` and `spawn(..., { shell: true })` run `/bin/sh -c <command>` (Windows:
 * `cmd.exe /d /s /c "<command>"`), and so does a direct `spawn('sh', ['-c', ...])`. Its words after the script are
 * the shell's positional arguments.
 */
function shellScript(file: string, args: readonly string[]): { script: string; extra: string[] } | undefined {
  const shell = baseName(file);
  if (SHELLS.test(shell) && args[0] === '-c' && args.length >= 2) return { script: args[1]!, extra: args.slice(2) };
  if (/^cmd(?:\.exe)?$/i.test(shell)) {
    const c = args.findIndex((a) => a.toLowerCase() === '/c');
    if (c !== -1 && c + 1 < args.length)
      return {
        script: args
          .slice(c + 1)
          .join(' ')
          .replace(/^"([\s\S]*)"$/, '$1'),
        extra: [],
      };
  }
  return undefined;
}

/** A shell command's words, each with its quotes (`a 'b c'` is two words), for counting and masking. */
function shellWords(script: string): string[] {
  return script.match(/(?:[^\s'"]+|'[^']*'|"(?:\\.|[^"\\])*"?|'[^']*$)+/g) ?? [];
}

/**
 * A child as a report shows it: its program's base name and how many arguments it got, never the arguments
 * themselves, which carry tokens and passwords (`deploy --token=...`, `psql postgres://user:pw@...`). A shell
 * command is shown as the command it runs (its first word after any `NAME=value` assignments), with the shell beside
 * it. With `childArguments: 'masked'` the arguments are listed too, masked by redact.ts.
 */
export function describeChild(
  pid: number | undefined,
  file: string,
  args: readonly string[],
  view: DetailsView,
): Record<string, unknown> {
  const shell = shellScript(file, args);
  if (!shell) {
    const details: Record<string, unknown> = { pid, command: baseName(redactValue(file)), argc: args.length };
    if (view.childArguments === 'masked') details.args = redactArgs(args);
    return details;
  }
  const words = [...shellWords(shell.script), ...shell.extra];
  let at = 0;
  while (at < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[at]!)) at++;
  const commandWord = words[at]?.replace(/^[({!]+/, '').replace(/^(['"])([\s\S]*)\1$/, '$2');
  const rest = words.filter((_, i) => i !== at);
  const details: Record<string, unknown> = {
    pid,
    shell: baseName(file),
    command: commandWord ? baseName(redactValue(commandWord)) : '',
    argc: rest.length,
  };
  if (view.childArguments === 'masked') details.args = redactWords(rest, true);
  return details;
}

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

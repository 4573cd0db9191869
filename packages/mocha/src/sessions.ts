/**
 * The test files' sessions in this process, one at a time (the detector is a process singleton). Mocha has no "file"
 * in its run: a file's session opens when its first code runs (a hook of its suite, its first test) and ends where
 * the run plan (plan.ts) says the file's last part is over, or at the end of the root suite.
 */
import { FileSession } from '@leakwatch/core/adapter';

let current: { file: string; session: FileSession } | undefined;
/**
 * Files whose code ran while another file's session was open (see ensure), and files loaded whose session never
 * opened (--bail stopped the run first, a grep left none of their tests): judged at the end of the run, so what their
 * module scope left open is reported and reaped too.
 */
const waiting = new Set<string>();
const opened = new Set<string>();

/** Mocha loaded `file` in this process. */
export function loaded(file: string): void {
  if (!opened.has(file)) waiting.add(file);
}

/**
 * The session for `file`'s code, opened now if none is. Mocha's serial mode can interleave files (the root suite runs
 * every file's top-level tests before any describe block): a file reached while another's session is still open runs
 * in that session, and is judged on its own at the end of the root suite. Resources are attributed by their scope,
 * so they stay that file's; per-test measurements (heap, listeners, globals) are not taken for its tests then: they
 * would be judged as the open file's.
 */
export function ensure(file: string): FileSession {
  if (current && current.file !== file) {
    waiting.add(file);
    return current.session;
  }
  if (!current) {
    waiting.delete(file);
    opened.add(file);
    current = {
      file,
      session: new FileSession({ runner: 'mocha', file, root: process.cwd(), reportsHooks: true }),
    };
  }
  return current.session;
}

/** The open session, if it is `file`'s: a test of an interleaved file runs in another's, unmeasured (see ensure). */
export function sessionOf(file: string): FileSession | undefined {
  return current?.file === file ? current.session : undefined;
}

/** Ends `file`'s session if it is the open one: the error to fail the file with. */
export async function end(file: string): Promise<Error | undefined> {
  if (current?.file !== file) return undefined;
  const { session } = current;
  current = undefined;
  return session.fileEnd();
}

/** At the end of the root suite: the open session, then each file that had to wait, judged in turn. */
export async function endAll(): Promise<Error[]> {
  const errors: Error[] = [];
  if (current) {
    const error = await end(current.file);
    if (error) errors.push(error);
  }
  for (const file of [...waiting]) {
    opened.delete(file);
    ensure(file);
    const error = await end(file);
    if (error) errors.push(error);
  }
  return errors;
}

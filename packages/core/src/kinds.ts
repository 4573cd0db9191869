/**
 * One table for every kind leakwatch knows: its label, its fix hint and its default action.
 * Messages are data here (as in Deno's test sanitizer table) so they stay consistent and easy to extend.
 */

export const KINDS = [
  'timer',
  'socket',
  'server',
  'child-process',
  'worker',
  'message-port',
  'fs-watcher',
  'file-handle',
  'sqlite',
  'db-connection',
  'heap',
  'global',
  'listener',
  'other',
] as const;

export type Kind = (typeof KINDS)[number];
export type Action = 'fail' | 'warn' | 'off';

/** Kinds measured per test (a delta between the start and the end of one test). */
export const TEST_SCOPED_KINDS: ReadonlySet<Kind> = new Set(['heap', 'global', 'listener']);

export interface KindInfo {
  /** Short noun used in console output and messages. */
  label: string;
  /** The label's plural, for grouped findings ("3 child processes"). */
  plural: string;
  /** "A" or "An", for the label. */
  article: 'A' | 'An';
  /** One line telling the user how to fix a leak of this kind. */
  hint: string;
  /** Default action when the user configures nothing. */
  action: Exclude<Action, 'off'>;
  /**
   * Node's own handle, whose unref() means "do not keep the process alive for me": what reap lets go of when its close
   * fails. A driver's client or a track()ed object may have no unref(), or one that means something else.
   */
  nodeHandle?: true;
}

export const KIND_INFO: Record<Kind, KindInfo> = {
  timer: {
    label: 'timer',
    plural: 'timers',
    article: 'A',
    hint: 'clear it with clearTimeout()/clearInterval() in the test or an afterEach hook, or unref() it if it must outlive the test',
    action: 'fail',
    nodeHandle: true,
  },
  socket: {
    label: 'socket',
    plural: 'sockets',
    article: 'A',
    hint: 'end or destroy it (socket.destroy(), client.close(), agent.destroy()) before the test finishes',
    action: 'fail',
    nodeHandle: true,
  },
  server: {
    label: 'server',
    plural: 'servers',
    article: 'A',
    hint: 'close it in afterAll/afterEach and await the close callback (server.close())',
    action: 'fail',
    nodeHandle: true,
  },
  'child-process': {
    label: 'child process',
    plural: 'child processes',
    article: 'A',
    hint: 'wait for it to exit, or kill() it and await its "close" event (exited, its pipes closed) in an afterEach/afterAll hook',
    action: 'fail',
    nodeHandle: true,
  },
  worker: {
    label: 'worker thread',
    plural: 'worker threads',
    article: 'A',
    hint: 'await worker.terminate() in an afterEach/afterAll hook',
    action: 'fail',
    nodeHandle: true,
  },
  'message-port': {
    label: 'message port',
    plural: 'message ports',
    article: 'A',
    hint: 'call port.close() (or channel.close()) when the test is done with it',
    action: 'fail',
    nodeHandle: true,
  },
  'fs-watcher': {
    label: 'fs watcher',
    plural: 'fs watchers',
    article: 'An',
    hint: 'call watcher.close() or fs.unwatchFile() in an afterEach/afterAll hook',
    action: 'fail',
    nodeHandle: true,
  },
  'file-handle': {
    label: 'file handle',
    plural: 'file handles',
    article: 'A',
    hint: 'close it (fs.closeSync(fd) or await fileHandle.close()), ideally in a finally block',
    action: 'fail',
  },
  sqlite: {
    label: 'SQLite connection',
    plural: 'SQLite connections',
    article: 'A',
    hint: 'call db.close() in afterEach/afterAll',
    action: 'fail',
  },
  'db-connection': {
    label: 'database connection',
    plural: 'database connections',
    article: 'A',
    hint: 'close the client or end the pool in afterAll',
    action: 'fail',
  },
  heap: {
    label: 'heap growth',
    plural: 'heap growths',
    article: 'A',
    hint: 'look for caches, arrays or closures that keep growing across tests; clear them in afterEach',
    action: 'warn',
  },
  global: {
    label: 'global',
    plural: 'globals',
    article: 'A',
    hint: 'delete it in afterEach (in Vitest, vi.stubGlobal() with unstubGlobals restores it for you)',
    action: 'warn',
  },
  listener: {
    label: 'process listener',
    plural: 'process listeners',
    article: 'A',
    hint: 'remove it with process.off()/removeListener() in afterEach',
    action: 'warn',
  },
  other: {
    label: 'resource',
    plural: 'resources',
    article: 'A',
    hint: 'close or release the resource before the test file finishes',
    action: 'fail',
  },
};

/**
 * Fixes more precise than a kind's own hint, for the resource types that need one (a pool is ended, a client is
 * closed). A probe names its entry in `ResourceType.hint`; drivers added later put theirs here too.
 */
export const RESOURCE_HINTS = {
  'timers/promises':
    'await it, or pass { signal } and abort it in an afterEach/afterAll hook (or { ref: false } if it may outlive the test)',
  'timers/promises.setInterval':
    "leave the for await loop with break or return, or call the iterator's return(), or pass { signal } and abort it",
  sqlite3: 'call db.close() in afterAll and wait for its callback',
  'node:sqlite': 'call db.close() in afterAll',
  libsql: 'call client.close() (or db.close()) in afterAll',
  'pg.Client': 'await client.end() in afterAll (or at the end of the test that connected it)',
  'pg.Pool': 'await pool.end() in afterAll',
  'mysql2.Connection': 'await connection.end() in afterAll',
  'mysql2.Pool': 'await pool.end() in afterAll',
  mongodb: 'await client.close() in afterAll',
  ioredis: 'await redis.quit() (or call redis.disconnect()) in afterAll',
  'node-redis': 'await client.quit() (node-redis 5: client.close()) in afterAll',
} as const satisfies Record<string, string>;

export type ResourceHint = keyof typeof RESOURCE_HINTS;

/** When a finding was judged, as its message says it. */
export type Judgement = 'test' | 'file' | 'run';

/** The parts of every finding's message, so all of them read alike. */
export const MESSAGES = {
  /** "... is still open after <after>". */
  after: {
    test: "the test's afterEach hooks",
    file: "the file's afterAll hooks",
    run: 'the test run finished, and keeps the process alive',
  } satisfies Record<Judgement, string>,
  inTest: (title: string) => `in test "${title}"`,
  outsideTests: 'outside any test (hook, describe body or module scope)',
  concurrent: 'while concurrent tests were running (attributed to the file)',
  /** A per-test measurement, by kind: `{name}` is the global or event name, `{bytes}` the growth. */
  measured: {
    heap: 'The heap grew by {bytes} during the test, measured after a forced GC',
    global: 'The test added the global "{name}" and did not remove it',
    listener: 'The test added a process "{name}" listener and did not remove it',
  } satisfies Record<'heap' | 'global' | 'listener', string>,
};

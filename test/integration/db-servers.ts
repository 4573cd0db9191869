/**
 * Private database servers for the integration tests: PostgreSQL, Redis and MariaDB, each started from the machine's
 * own binaries (Debian's packages postgresql, redis-server, mariadb-server) as a child process of the test, in its own
 * temporary directory, on a free port of 127.0.0.1, with a known user, password and database. Nothing here touches a
 * system service, the default ports or /run: two test files may start servers at the same time.
 *
 * PostgreSQL and MariaDB refuse to run as root, so as root they run as the `postgres` / `mysql` system users (the
 * temporary directory is chowned to them); otherwise as the current user.
 *
 * `stop()` shuts the server down gracefully (PostgreSQL: SIGINT, i.e. `pg_ctl stop -m fast`; Redis and MariaDB:
 * SIGTERM), waits for it to exit (bounded, then SIGKILL) and removes the temporary directory. If the test process
 * goes away without stop(): on a normal exit an `exit` hook (registered only while a server runs) kills the servers
 * and removes their directories; if it is killed outright (Vitest ends its workers with a signal), the servers get
 * their parent-death signal (Linux, through setpriv) and the next test process to start a server removes the
 * directories left behind.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DbServer {
  /** postgres://user:password@127.0.0.1:PORT/db, mysql://user:password@127.0.0.1:PORT/db or redis://127.0.0.1:PORT */
  url: string;
  host: string;
  port: number;
  /** Empty for Redis. */
  user: string;
  /** Empty for Redis. */
  password: string;
  /** Empty for Redis. */
  database: string;
  /** The server's temporary directory (data, unix socket, log); removed by stop(). */
  readonly dir: string;
  /** The server process's pid. */
  readonly pid: number;
  /** Shuts the server down, waits for it to exit and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export type DbKind = 'postgres' | 'redis' | 'mysql';

const HOST = '127.0.0.1';
export const DB_USER = 'leakwatch';
export const DB_PASSWORD = 'leakwatch';
export const DB_NAME = 'leakwatch';

/** How long a server gets to accept connections, and to exit once asked to. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** A port taken between our probe and the server's bind is retried on a new port this many times in all. */
const PORT_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------------------------------
// Finding the binaries

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/<major>/bin; elsewhere they are on PATH. */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  let majors: string[] = [];
  try {
    majors = fs
      .readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  const dirs = [
    ...majors.map((m) => path.join(root, m, 'bin')),
    ...[onPath('initdb')].flatMap((f) => (f ? [path.dirname(f)] : [])),
  ];
  return dirs.find((d) => ['initdb', 'postgres', 'pg_isready', 'psql'].every((p) => isExecutable(path.join(d, p))));
}

function firstExecutable(candidates: string[], name: string): string | undefined {
  return candidates.find(isExecutable) ?? onPath(name);
}

const redisBin = () => firstExecutable(['/usr/bin/redis-server'], 'redis-server');
const mariadbdBin = () => firstExecutable(['/usr/sbin/mariadbd'], 'mariadbd');
const mariadbInstallDbBin = () => firstExecutable(['/usr/bin/mariadb-install-db'], 'mariadb-install-db');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

const accounts = new Map<string, RunAs | null>();

/** The uid/gid of a system user, or null when there is none. */
function lookupUser(name: string): RunAs | null {
  if (!accounts.has(name)) {
    try {
      const uid = Number(
        execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      );
      const gid = Number(
        execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      );
      accounts.set(name, Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid, name } : null);
    } catch {
      accounts.set(name, null);
    }
  }
  return accounts.get(name)!;
}

/** Why a kind of server can't be started here, or undefined when it can. */
export function dbServerSkipReason(kind: DbKind): string | undefined {
  if (process.platform === 'win32') return 'the private database servers need a POSIX system';
  switch (kind) {
    case 'postgres':
      if (!postgresBinDir())
        return 'PostgreSQL server programs (initdb, postgres, pg_isready, psql) not found: install Debian package postgresql';
      if (isRoot() && !lookupUser('postgres'))
        return 'running as root and there is no system user "postgres" to run PostgreSQL as';
      return undefined;
    case 'redis':
      return redisBin() ? undefined : 'redis-server not found: install Debian package redis-server';
    case 'mysql':
      if (!mariadbdBin() || !mariadbInstallDbBin())
        return 'mariadbd or mariadb-install-db not found: install Debian package mariadb-server';
      if (isRoot() && !lookupUser('mysql'))
        return 'running as root and there is no system user "mysql" to run MariaDB as';
      return undefined;
  }
}

/** Which servers this machine can start. */
export function hasDbServers(): { postgres: boolean; redis: boolean; mysql: boolean } {
  return {
    postgres: dbServerSkipReason('postgres') === undefined,
    redis: dbServerSkipReason('redis') === undefined,
    mysql: dbServerSkipReason('mysql') === undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

/** A port that was free on 127.0.0.1 a moment ago (the server's bind may still lose a race: see PORT_ATTEMPTS). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Whether something accepts a TCP connection on 127.0.0.1:port right now. */
export function canConnect(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The base for the temporary directories. As root the servers run as another user, who must be able to traverse
 * every parent: os.tmpdir() when it is, else /tmp.
 */
function tempBase(): string {
  const base = os.tmpdir();
  if (!isRoot() || traversableByOthers(base)) return base;
  if (traversableByOthers('/tmp')) return '/tmp';
  throw new Error(`neither ${base} nor /tmp can be traversed by the database servers' users: make them o+x`);
}

function traversableByOthers(dir: string): boolean {
  let d = path.resolve(dir);
  for (;;) {
    try {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    const parent = path.dirname(d);
    if (parent === d) return true;
    d = parent;
  }
}

const DIR_PREFIX = /^leakwatch-(postgres|redis|mysql)-/;
/** In each server directory: the pid of the test process that made it. */
const OWNER_FILE = 'leakwatch-owner.pid';
let swept = false;

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the directories of test processes that died without stopping their servers (the servers themselves died
 * with them: see command()). Once per process, before its first server; directories of live processes are left alone.
 */
async function sweepStaleDirs(base: string): Promise<void> {
  if (swept) return;
  swept = true;
  let names: string[] = [];
  try {
    names = (await fsp.readdir(base)).filter((n) => DIR_PREFIX.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(base, name);
    try {
      const pid = Number((await fsp.readFile(path.join(dir, OWNER_FILE), 'utf8')).trim());
      if (Number.isInteger(pid) && pid > 0 && !processExists(pid)) await removeDir(dir);
    } catch {
      // no owner file yet (being made right now) or not ours to read: leave it
    }
  }
}

async function makeTempDir(kind: DbKind, owner: RunAs | undefined): Promise<string> {
  const base = tempBase();
  await sweepStaleDirs(base);
  const dir = await fsp.mkdtemp(path.join(base, `leakwatch-${kind}-`));
  await fsp.writeFile(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  if (owner) await fsp.chown(dir, owner.uid, owner.gid);
  return dir;
}

/** Writes a file into a server's directory, owned by the server's user and readable by it only. */
async function writeOwned(file: string, text: string, owner: RunAs | undefined): Promise<void> {
  await fsp.writeFile(file, text, { mode: 0o600 });
  if (owner) await fsp.chown(file, owner.uid, owner.gid);
}

async function tail(file: string, max = 4_000): Promise<string> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.length > max ? `…${text.slice(-max)}` : text;
  } catch {
    return '(no log)';
  }
}

function childEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, LC_ALL: 'C', LANG: 'C' };
  // Keep the developer's client settings out of initdb/psql/pg_isready.
  for (const key of Object.keys(env))
    if (key.startsWith('PG') || key.startsWith('MYSQL') || key === 'REDISCLI_AUTH') delete env[key];
  return env;
}

const setprivBin = process.platform === 'linux' ? firstExecutable(['/usr/bin/setpriv'], 'setpriv') : undefined;

/**
 * How to start `file` as `owner` so that it also dies with the test process: on Linux through util-linux's setpriv,
 * which switches to the user and then sets the parent-death signal (a uid change would clear one set before), so a
 * test worker that is killed outright takes its servers with it. Elsewhere, spawn's own uid/gid and no such signal.
 */
function command(
  file: string,
  args: string[],
  owner: RunAs | undefined,
  deathSignal: NodeJS.Signals,
): { file: string; args: string[]; uid?: number; gid?: number } {
  if (!setprivBin) return { file, args, uid: owner?.uid, gid: owner?.gid };
  const ids = owner ? [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups'] : [];
  return { file: setprivBin, args: [...ids, `--pdeathsig=${deathSignal.replace(/^SIG/, '')}`, '--', file, ...args] };
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a short-lived program to its end (bounded), as `owner` when given. Never rejects. */
function run(
  file: string,
  args: string[],
  opts: { cwd: string; owner?: RunAs; timeoutMs?: number; input?: string },
): Promise<RunResult> {
  const cmd = command(file, args, opts.owner, 'SIGKILL');
  return new Promise((resolve) => {
    const child = execFile(
      cmd.file,
      cmd.args,
      {
        cwd: opts.cwd,
        env: childEnv(opts.cwd),
        uid: cmd.uid,
        gid: cmd.gid,
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : null
          : 0;
        resolve({ code, output: `${stdout}${stderr}${error && code === null ? `\n${error.message}` : ''}` });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// The running servers, for the exit hook

interface Live {
  child: ChildProcess;
  dir: string;
  /** What to send when the test process exits with the server still running. */
  emergencySignal: NodeJS.Signals;
}

const live = new Set<Live>();

function onExit(): void {
  for (const s of live) {
    try {
      s.child.kill(s.emergencySignal);
    } catch {
      // gone already
    }
    try {
      fs.rmSync(s.dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort while exiting
    }
  }
  live.clear();
}

function track(s: Live): void {
  if (live.size === 0) process.on('exit', onExit);
  live.add(s);
}

function untrack(s: Live): void {
  live.delete(s);
  if (live.size === 0) process.off('exit', onExit);
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExitEvent);
      resolve(false);
    }, timeoutMs);
    const onExitEvent = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExitEvent);
  });
}

/** Starts a long-running server with stdout and stderr appended to `log` (a file: no pipes are left open here). */
function spawnServer(
  file: string,
  args: string[],
  dir: string,
  log: string,
  owner: RunAs | undefined,
  deathSignal: NodeJS.Signals,
): ChildProcess {
  const cmd = command(file, args, owner, deathSignal);
  const fd = fs.openSync(log, 'a', 0o644);
  try {
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
    const child = spawn(cmd.file, cmd.args, {
      cwd: dir,
      env: childEnv(dir),
      uid: cmd.uid,
      gid: cmd.gid,
      stdio: ['ignore', fd, fd],
    });
    // A spawn error (ENOENT, EACCES) also shows as an exit; keep it from being an unhandled 'error'.
    child.on('error', (err) => fs.appendFileSync(log, `\nspawn failed: ${err.message}\n`));
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

class StartError extends Error {
  constructor(
    message: string,
    /** The server lost the race for its port: worth another attempt on a new one. */
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

const PORT_IN_USE = /address already in use|could not bind|can't start server: bind on tcp\/ip port/i;

/**
 * Polls `ready` every 100 ms until it says yes, the child exits (a StartError with the log) or the time is up (the
 * same). `ready` must only say yes for this very server (its unix socket or its log), not for whatever holds the port.
 */
async function awaitReady(
  kind: string,
  child: ChildProcess,
  port: number,
  log: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (hasExited(child)) {
      const text = await tail(log);
      throw new StartError(
        `${kind} exited during startup (code ${child.exitCode}, signal ${child.signalCode}) on port ${port}; its log:\n${text}`,
        PORT_IN_USE.test(text),
      );
    }
    if ((await ready()) && !hasExited(child) && (await canConnect(port))) return;
    if (Date.now() > deadline) {
      throw new StartError(
        `${kind} did not accept connections on ${HOST}:${port} within ${START_TIMEOUT_MS / 1000} s; its log:\n${await tail(log)}`,
        false,
      );
    }
    await sleep(100);
  }
}

/** Graceful stop, bounded, then SIGKILL. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (hasExited(child)) return;
  child.kill(signal);
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5_000);
}

async function removeDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

interface Launch {
  child: ChildProcess;
  port: number;
  /** SIGINT for PostgreSQL (fast shutdown), SIGTERM otherwise. */
  stopSignal: NodeJS.Signals;
  emergencySignal: NodeJS.Signals;
}

/**
 * Starts a server on a fresh port (up to PORT_ATTEMPTS times if it loses the port to someone else), makes a DbServer
 * of it, and removes the directory if it never gets that far.
 */
async function launch(
  _kind: DbKind,
  dir: string,
  attempt: (port: number) => Promise<Launch>,
  describe: (port: number) => Omit<DbServer, 'stop' | 'dir' | 'pid'>,
): Promise<DbServer> {
  try {
    for (let i = 1; ; i++) {
      const port = await freePort();
      let started: Launch;
      try {
        started = await attempt(port);
      } catch (err) {
        if (err instanceof StartError && err.portTaken && i < PORT_ATTEMPTS) continue;
        throw err;
      }
      const entry: Live = { child: started.child, dir, emergencySignal: started.emergencySignal };
      track(entry);
      let stopping: Promise<void> | undefined;
      return {
        ...describe(port),
        dir,
        pid: started.child.pid!,
        stop: () =>
          (stopping ??= (async () => {
            try {
              await stopChild(started.child, started.stopSignal);
              await removeDir(dir);
            } finally {
              untrack(entry);
            }
          })()),
      };
    }
  } catch (err) {
    await removeDir(dir);
    throw err;
  }
}

/** Runs `attempt`'s server start; on a failure after spawning, kills the child before rethrowing. */
async function guarded(child: ChildProcess, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// PostgreSQL

/** A private PostgreSQL: user `leakwatch`, password `leakwatch`, database `leakwatch`, password login over TCP. */
export async function startPostgres(): Promise<DbServer> {
  const reason = dbServerSkipReason('postgres');
  if (reason) throw new Error(reason);
  const bin = postgresBinDir()!;
  const owner = isRoot() ? lookupUser('postgres')! : undefined;
  const dir = await makeTempDir('postgres', owner);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');

  return launch(
    'postgres',
    dir,
    async (port) => {
      if (!fs.existsSync(data)) {
        // The bootstrap superuser `postgres` logs in without a password over the unix socket only (the socket lives
        // in the 0700 directory); everything over TCP needs a password.
        const init = await run(
          path.join(bin, 'initdb'),
          [
            '-D',
            data,
            '-U',
            'postgres',
            '-E',
            'UTF8',
            '--locale=C',
            '--auth-local=trust',
            '--auth-host=scram-sha-256',
            '--no-sync',
            '--no-instructions',
          ],
          { cwd: dir, owner },
        );
        if (init.code !== 0) throw new StartError(`initdb failed (code ${init.code}):\n${init.output}`, false);
      }
      const child = spawnServer(
        path.join(bin, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(port),
          '-c',
          `listen_addresses=${HOST}`,
          '-c',
          `unix_socket_directories=${dir}`,
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'shared_buffers=16MB',
          '-c',
          'max_connections=50',
          '-c',
          'logging_collector=off',
          '-c',
          'max_wal_senders=0',
          '-c',
          'wal_level=minimal',
        ],
        dir,
        log,
        owner,
        'SIGINT',
      );
      await guarded(child, async () => {
        // pg_isready over the unix socket in our own directory only ever reaches this server.
        await awaitReady('postgres', child, port, log, async () => {
          const r = await run(
            path.join(bin, 'pg_isready'),
            ['-q', '-h', dir, '-p', String(port), '-d', 'postgres', '-U', 'postgres'],
            { cwd: dir, owner, timeoutMs: 5_000 },
          );
          return r.code === 0;
        });
        const setup = await run(
          path.join(bin, 'psql'),
          [
            '-X',
            '-q',
            '-v',
            'ON_ERROR_STOP=1',
            '-h',
            dir,
            '-p',
            String(port),
            '-U',
            'postgres',
            '-d',
            'postgres',
            '-c',
            `CREATE ROLE ${DB_USER} LOGIN CREATEDB PASSWORD '${DB_PASSWORD}'`,
            '-c',
            `CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}`,
          ],
          { cwd: dir, owner, timeoutMs: 30_000 },
        );
        if (setup.code !== 0)
          throw new StartError(
            `creating the ${DB_USER} role and database failed (code ${setup.code}):\n${setup.output}`,
            false,
          );
      });
      return { child, port, stopSignal: 'SIGINT', emergencySignal: 'SIGQUIT' };
    },
    (port) => ({
      url: `postgres://${DB_USER}:${DB_PASSWORD}@${HOST}:${port}/${DB_NAME}`,
      host: HOST,
      port,
      user: DB_USER,
      password: DB_PASSWORD,
      database: DB_NAME,
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Redis

/** A private Redis without a password or persistence. */
export async function startRedis(): Promise<DbServer> {
  const reason = dbServerSkipReason('redis');
  if (reason) throw new Error(reason);
  const bin = redisBin()!;
  const dir = await makeTempDir('redis', undefined);
  const log = path.join(dir, 'server.log');
  const sock = path.join(dir, 'redis.sock');

  return launch(
    'redis',
    dir,
    async (port) => {
      await fsp.writeFile(log, '');
      const child = spawnServer(
        bin,
        [
          '--port',
          String(port),
          '--bind',
          HOST,
          '--unixsocket',
          sock,
          '--unixsocketperm',
          '700',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--supervised',
          'no',
          '--protected-mode',
          'yes',
          '--logfile',
          '',
          '--databases',
          '16',
        ],
        dir,
        log,
        undefined,
        'SIGTERM',
      );
      await guarded(child, () =>
        // Redis writes this line only after it has bound its port.
        awaitReady('redis', child, port, log, async () => /Ready to accept connections/.test(await tail(log, 100_000))),
      );
      return { child, port, stopSignal: 'SIGTERM', emergencySignal: 'SIGKILL' };
    },
    (port) => ({ url: `redis://${HOST}:${port}`, host: HOST, port, user: '', password: '', database: '' }),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// MariaDB

/** A private MariaDB: user `leakwatch`@'%' with password `leakwatch`, database `leakwatch`; root only over the socket. */
export async function startMysql(): Promise<DbServer> {
  const reason = dbServerSkipReason('mysql');
  if (reason) throw new Error(reason);
  const server = mariadbdBin()!;
  const installDb = mariadbInstallDbBin()!;
  const owner = isRoot() ? lookupUser('mysql')! : undefined;
  const dir = await makeTempDir('mysql', owner);
  const data = path.join(dir, 'data');
  const tmp = path.join(dir, 'tmp');
  const log = path.join(dir, 'server.log');
  const sock = path.join(dir, 'mysqld.sock');
  const setupSql = path.join(dir, 'setup.sql');

  // Options that both the bootstrap and the server get. --no-defaults keeps /etc/mysql out: it must come first.
  const common = [
    `--datadir=${data}`,
    `--tmpdir=${tmp}`,
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--skip-log-bin',
    '--skip-name-resolve',
    '--performance-schema=OFF',
    '--skip-external-locking',
  ];

  return launch(
    'mysql',
    dir,
    async (port) => {
      if (!fs.existsSync(data)) {
        await fsp.mkdir(tmp);
        if (owner) await fsp.chown(tmp, owner.uid, owner.gid);
        // Run by mariadb-install-db right after the system tables: the account the tests use.
        await writeOwned(
          setupSql,
          [
            // The bootstrap runs without grant tables loaded: load them, or CREATE USER is refused.
            'FLUSH PRIVILEGES;',
            `CREATE DATABASE ${DB_NAME};`,
            `CREATE USER '${DB_USER}'@'%' IDENTIFIED BY '${DB_PASSWORD}';`,
            `CREATE USER '${DB_USER}'@'${HOST}' IDENTIFIED BY '${DB_PASSWORD}';`,
            `CREATE USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASSWORD}';`,
            `GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'%';`,
            `GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'${HOST}';`,
            `GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'localhost';`,
            '',
          ].join('\n'),
          owner,
        );
        // As root, run the script itself as `mysql` too (it runs mariadbd --bootstrap, which refuses root).
        const init = await run(
          installDb,
          [
            '--no-defaults',
            ...common,
            '--auth-root-authentication-method=socket',
            `--auth-root-socket-user=${owner?.name ?? currentUserName()}`,
            '--skip-test-db',
            `--extra-file=${setupSql}`,
          ],
          { cwd: dir, owner, timeoutMs: 120_000 },
        );
        if (init.code !== 0)
          throw new StartError(`mariadb-install-db failed (code ${init.code}):\n${init.output}`, false);
      }
      await fsp.rm(sock, { force: true });
      const child = spawnServer(
        server,
        [
          '--no-defaults',
          ...common,
          `--port=${port}`,
          `--bind-address=${HOST}`,
          `--socket=${sock}`,
          `--pid-file=${path.join(dir, 'mysqld.pid')}`,
          '--max-connections=50',
        ],
        dir,
        log,
        owner,
        'SIGTERM',
      );
      await guarded(child, () =>
        // MariaDB prints "ready for connections" with its port only once it listens on it.
        awaitReady('mysql', child, port, log, async () =>
          new RegExp(`ready for connections[\\s\\S]*port: ${port}\\b`).test(await tail(log, 100_000)),
        ),
      );
      return { child, port, stopSignal: 'SIGTERM', emergencySignal: 'SIGKILL' };
    },
    (port) => ({
      url: `mysql://${DB_USER}:${DB_PASSWORD}@${HOST}:${port}/${DB_NAME}`,
      host: HOST,
      port,
      user: DB_USER,
      password: DB_PASSWORD,
      database: DB_NAME,
    }),
  );
}

function currentUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** Starts the named server. */
export function startDbServer(kind: DbKind): Promise<DbServer> {
  return kind === 'postgres' ? startPostgres() : kind === 'redis' ? startRedis() : startMysql();
}

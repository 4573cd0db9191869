import path from 'node:path';
import timersModule from 'node:timers';
import { loadBaseline, type Baseline, type BaselineEntry } from './baseline.js';
import { measurement, openResources } from './evidence.js';
import { compareFindings, type Finding } from './finding.js';
import { foldOwned, withFolded } from './fold.js';
import { judge, testKey, type Measurement, type OpenResource } from './judge.js';
import type { Judgement, Kind } from './kinds.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { GlobalsProbe, globalsMirror } from './probes/globals.js';
import { HeapProbe } from './probes/heap.js';
import { ListenersProbe } from './probes/listeners.js';
import { instrumentRequire } from './probes/drivers.js';
import { batchPatches, type Restore } from './probes/patch.js';
import { PROBES, type Probe } from './probes/registry.js';
import { joinRun } from './run-channel.js';
import { reapWithFolded } from './reap.js';
import { settle } from './settle.js';
import { relativePath, resolveStacksEagerlyWhen } from './stack.js';
import { MAIN_PROCESS, Tracker, resolvedStack, type Scope, type TestRef, type Tracked } from './tracker.js';

export { MAIN_PROCESS };

/** The global object and `process` a test file actually touches (Jest gives each file its own vm realm). */
export interface Realm {
  global: object;
  process: NodeJS.Process;
  /** The vm context's sandbox behind a Jest-style per-file global, if any: listed instead when nothing changed. */
  sandbox?: object;
}

/** What one test file produced, as sent from the worker to the reporter. */
export interface FileResult {
  /** Relative to the project root, forward slashes. */
  file: string;
  findings: Finding[];
  /** Internal errors of leakwatch: reported, never thrown into the user's run. */
  errors: string[];
  /** Indexes of the baseline entries its findings matched: the run's stale entries are those no file matched. */
  baseline?: number[];
}

/** What a file's code may still be judged for: its inline allows, and its leaks counted against each kind's `allow`. */
interface FileLedger {
  allows: { file: Map<Kind, string>; tests: Map<string, Map<Kind, string>> };
  counted: Partial<Record<Kind, number>>;
}

const SINGLETON = Symbol.for('leakwatch.detector');

/**
 * A baseline indexed for judging: an entry can only match findings of its own test file (its id includes the file,
 * and the fallbacks compare the file), so a judgement looks at that file's entries, not the whole baseline.
 */
interface IndexedBaseline {
  entries: readonly BaselineEntry[];
  byFile: Map<string, BaselineEntry[]>;
  /** Each entry's position in the file, which a file's result names. */
  position: Map<BaselineEntry, number>;
}

function indexBaseline(baseline: Baseline | undefined): IndexedBaseline | undefined {
  if (!baseline) return undefined;
  const byFile = new Map<string, BaselineEntry[]>();
  const position = new Map<BaselineEntry, number>();
  baseline.entries.forEach((entry, i) => {
    position.set(entry, i);
    const same = byFile.get(entry.file);
    if (same) same.push(entry);
    else byFile.set(entry.file, [entry]);
  });
  return { entries: baseline.entries, byFile, position };
}

// Read once per process and path: every test file of a worker shares it.
const baselines = new Map<string, IndexedBaseline | undefined>();
function cachedBaseline(file: string): IndexedBaseline | undefined {
  if (!baselines.has(file)) baselines.set(file, indexBaseline(loadBaseline(file)));
  return baselines.get(file);
}
/**
 * The singleton lives on a builtin module object rather than on globalThis: Jest evaluates user-side requires of
 * leakwatch in each test file's vm realm, where globalThis differs but builtin modules are the process's own.
 */
const ANCHOR = timersModule as unknown as Record<symbol, Detector | undefined>;

/**
 * The per-process engine that adapters drive: fileStart → (testStart → testEnd)* → fileEnd.
 * Resource probes record creations with their test and stack; per-test probes measure heap, globals and listeners;
 * fileEnd settles, attributes, and applies the policy.
 */
export class Detector {
  /** One detector per process (or worker thread), shared by every copy of this module loaded there. */
  static shared(): Detector {
    return (ANCHOR[SINGLETON] ??= new Detector());
  }

  readonly tracker: Tracker;
  // In a test process of a run with a collector, the run's options are known from the start: probes of kinds that are
  // all 'off' are then never installed.
  options: ResolvedOptions = joinRun()?.options ?? resolveOptions([], process.env);
  root = process.cwd();
  private restores: Restore[] = [];
  private installed = false;
  /** The probes installed in this process, by name. */
  private readonly probes = new Set<string>();
  private readonly heap = new HeapProbe();
  private readonly globals = new GlobalsProbe();
  private readonly listeners: ListenersProbe;
  private measuring: TestRef | null = null;
  /** Globals a test left behind, confirmed at the next boundary: Vitest's unstubGlobals restores after our hook. */
  private pendingGlobals: { test: TestRef; names: string[] } | null = null;
  private file: string | null = null;
  private realm: Realm = { global: globalThis, process };
  private testFindings: Finding[] = [];
  /** What each test's last judgement found, marked and matched, so a retry can take it back (see testRetry). */
  private judgedTests = new Map<string, { findings: Finding[]; records: Tracked[]; entries: BaselineEntry[] }>();
  private errors: string[] = [];
  private baseline: IndexedBaseline | undefined;
  /** Baseline entries a judgement in this process matched: each matches one finding of the run at most. */
  private readonly matchedEntries = new Set<BaselineEntry>();
  /** Entries matched since the current file started, as indexes, for its result. */
  private matchedInFile: number[] = [];
  /** Per test file of this process, kept after its end: its late work is judged with its own allows and counts. */
  private readonly ledgers = new Map<string, FileLedger>();
  /** Files judged in this process: what their code makes later (un-awaited work) is judged with the next file. */
  private readonly endedFiles = new Set<string>();
  /** Where recording goes between test files: nowhere, or the main process's own bucket. */
  private idleFile: string | null = null;
  /** The file whose module scope is being loaded ahead of its run (see fileLoading). */
  private loadingFile: string | null = null;
  /** Files loaded ahead of their run: their ledger (a module-scope allowFile()) is kept when they start. */
  private readonly preloaded = new Set<string>();
  private reportsHooks = false;
  /** No user code has run since the last test ended (only meaningful when the adapter reports hooks). */
  private quietBetweenTests = false;

  private constructor() {
    this.tracker = new Tracker(this.options.stackFrames);
    this.listeners = new ListenersProbe(() => this.tracker.stackFrames);
  }

  /**
   * Throws a LeakwatchConfigError for an unreadable or corrupt baseline file: the adapters let it fail the run
   * rather than treat the file as empty.
   */
  configure(options: ResolvedOptions, root?: string): void {
    this.options = options;
    if (root) this.root = root;
    this.baseline = cachedBaseline(path.resolve(this.root, options.baseline));
    this.tracker.stackFrames = options.stackFrames;
    this.tracker.disabled.clear();
    for (const [kind, policy] of Object.entries(options.kinds)) {
      if (policy.action === 'off') this.tracker.disabled.add(kind as Kind);
    }
    // Kinds turned on since the install (new options in a watch-mode rerun): their probes go in now.
    if (this.installed) this.installProbes();
  }

  private wanted(probe: Probe): boolean {
    return probe.kinds.some((kind) => this.options.kinds[kind].action !== 'off');
  }

  private installProbes(): void {
    const missing = PROBES.filter((probe) => !this.probes.has(probe.name) && this.wanted(probe));
    if (missing.length === 0) return;
    const context = { tracker: this.tracker, listeners: this.listeners };
    batchPatches(() => {
      for (const probe of missing) {
        this.probes.add(probe.name);
        this.guard(`install (probe "${probe.name}")`, () => this.restores.push(probe.install(context)));
      }
    });
  }

  /** Installs the probes of every kind that is not 'off', once per process; later calls are no-ops. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    this.installProbes();
  }

  /**
   * For loaders Node's hook cannot see (Jest's per-file module registry): hands a freshly required module to the
   * database driver probes and returns what the importer should get.
   */
  instrumentRequire(request: unknown, exports: unknown): unknown {
    return this.probes.has('database drivers') ? instrumentRequire(request, exports, this.tracker) : exports;
  }

  uninstall(): void {
    batchPatches(() => {
      for (const restore of this.restores.reverse()) this.guard('uninstall', restore);
    });
    this.restores = [];
    this.probes.clear();
    this.installed = false;
  }

  /**
   * The runner's main process: record what user code there creates (globalSetup, a reporter, the config) outside of
   * any test file, to say at the end what keeps the process alive. Test files run in this process (Jest in band)
   * are judged as usual; recording for the main process resumes after each.
   */
  watchMainProcess(): void {
    this.install();
    this.idleFile = MAIN_PROCESS;
    if (this.tracker.currentFile === null) this.tracker.currentFile = MAIN_PROCESS;
    // Reported after the run, once the runner no longer maps its transformed code (stack.ts says why).
    resolveStacksEagerlyWhen(() => this.tracker.currentFile === MAIN_PROCESS);
  }

  /**
   * What user code in the main process left open: only resources with a user frame in their creation stack, so the
   * runner's and its libraries' own (esbuild's service, Vite's watchers) are never blamed. Paths are the creating
   * module's. Reaped when `reap` is on.
   */
  async judgeMainProcess(): Promise<Finding[]> {
    const open = foldOwned(
      (await settle(() => this.tracker.openRecords(MAIN_PROCESS), Math.min(this.options.settleMs, 200))).filter(
        (r) => resolvedStack(r).site !== null && !resolvedStack(r).runnerOwned,
      ),
    );
    const byFile = new Map<string, Tracked[]>();
    for (const record of open) {
      const file = relativePath(this.root, resolvedStack(record).site!.file);
      byFile.set(file, [...(byFile.get(file) ?? []), record]);
    }
    const findings = [...byFile].flatMap(([file, records]) =>
      this.decide(file, 'run', { resources: openResources(this.root, records, this.options) }),
    );
    await this.release(open);
    return findings.sort(compareFindings);
  }

  /**
   * `reportsHooks`: the adapter calls hookStart() for every hook that runs between two tests (Jest's environment sees
   * them all as events), so the globals listed at one test's end can serve as the next one's start.
   */
  fileStart(absoluteFile: string, realm: Realm = { global: globalThis, process }, reportsHooks = false): void {
    this.reportsHooks = reportsHooks;
    this.quietBetweenTests = false;
    this.globals.useMirror(globalsMirror(realm.global, realm.sandbox));
    this.file = absoluteFile;
    this.realm = realm;
    this.tracker.currentFile = absoluteFile;
    this.tracker.activeTests.clear();
    this.tracker.concurrentBodies = 0;
    this.testFindings = [];
    this.pendingGlobals = null;
    this.errors = [];
    this.matchedInFile = [];
    // The same file again (a watch-mode rerun in a reused worker): its entries are free to match again.
    const relative = relativePath(this.root, absoluteFile);
    for (const entry of this.matchedEntries) if (entry.file === relative) this.matchedEntries.delete(entry);
    if (!this.preloaded.delete(absoluteFile))
      this.ledgers.set(absoluteFile, { allows: { file: new Map(), tests: new Map() }, counted: {} });
  }

  /**
   * For runners that load every test file before they run any (Mocha's serial mode): what `absoluteFile`'s module
   * scope makes and allows, until the next call (null when loading is over), is that file's; its fileStart comes later
   * and keeps it. Outside of a file's session only: nothing of the current file changes.
   */
  fileLoading(absoluteFile: string | null): void {
    this.loadingFile = absoluteFile;
    if (this.file !== null) return;
    this.tracker.currentFile = absoluteFile ?? this.idleFile;
    if (absoluteFile === null) return;
    this.ledgers.set(absoluteFile, { allows: { file: new Map(), tests: new Map() }, counted: {} });
    this.preloaded.add(absoluteFile);
  }

  private ledger(file: string): FileLedger {
    let ledger = this.ledgers.get(file);
    if (!ledger) this.ledgers.set(file, (ledger = { allows: { file: new Map(), tests: new Map() }, counted: {} }));
    return ledger;
  }

  /**
   * Inline opt-out: findings of these kinds made by the current test (or, with where = 'file', anywhere in the
   * current file) are dropped. Throws when called for a test outside of one: the user's call is wrong, say so.
   */
  allow(kinds: Kind | Kind[], reason: string, where: 'test' | 'file'): void {
    const list = Array.isArray(kinds) ? kinds : [kinds];
    const allows = this.ledger(this.file ?? this.loadingFile ?? MAIN_PROCESS).allows;
    if (where === 'file') {
      for (const k of list) allows.file.set(k, reason);
      return;
    }
    const test = this.tracker.runningTest();
    if (test === null) {
      throw new Error(
        'leakwatch: allow() must be called inside a running test; use allowFile() in hooks or at module scope.',
      );
    }
    const key = testKey(test.titlePath);
    const kindsOfTest = allows.tests.get(key) ?? new Map<Kind, string>();
    for (const k of list) kindsOfTest.set(k, reason);
    allows.tests.set(key, kindsOfTest);
  }

  /**
   * Hands the evidence about `file` (absolute, or the main process's) to the judge with that file's ledger and what is
   * left of the baseline, and books what the verdict used.
   */
  private decide(
    file: string,
    when: Judgement,
    evidence: { resources?: OpenResource[]; measurements?: Measurement[] },
  ): Finding[] {
    const ledger = this.ledger(file);
    const relative = relativePath(this.root, file);
    const verdict = judge({
      file: relative,
      when,
      ...evidence,
      policy: this.options,
      allows: ledger.allows,
      counted: ledger.counted,
      baseline: this.baseline?.byFile.get(relative)?.filter((e) => !this.matchedEntries.has(e)),
    });
    ledger.counted = verdict.counted;
    for (const entry of verdict.matched) {
      this.matchedEntries.add(entry);
      this.matchedInFile.push(this.baseline!.position.get(entry)!);
    }
    return verdict.findings;
  }

  /**
   * The scope of `test` (or, with null, of the file's hooks) in the current file, for the adapter to enter around the
   * test's body and hooks; undefined between files.
   */
  scopeOf(test: TestRef | null): Scope | undefined {
    return this.file === null ? undefined : { file: this.file, test };
  }

  /** Runs `fn` in `scope`: what its code makes, now or in the async work it starts, is that scope's. */
  runInScope<T>(scope: Scope | undefined, fn: () => T): T {
    return scope === undefined ? fn() : this.tracker.scopes.run(scope, fn);
  }

  /**
   * `fn` wrapped to run in the scope `scopeOf(args)` names when it is called, for runners that call the user's functions
   * themselves (jest-circus reads `test.fn` and `hook.fn`, Vitest 4.0 its getFn). Keeps `length` (a declared `done`
   * parameter) and `name`.
   */
  inScope<F extends (...args: any[]) => unknown>(fn: F, scopeOf: (args: unknown[]) => Scope | undefined): F {
    const tracker = this.tracker;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const scope = scopeOf(args);
      return scope === undefined ? fn.apply(this, args) : tracker.scopes.run(scope, () => fn.apply(this, args));
    };
    Object.defineProperty(wrapped, 'length', { value: fn.length });
    Object.defineProperty(wrapped, 'name', { value: fn.name });
    return wrapped as unknown as F;
  }

  /** A beforeAll/afterAll hook is about to run between tests: what the last test left is no longer the baseline. */
  hookStart(): void {
    this.quietBetweenTests = false;
  }

  testStart(test: TestRef): void {
    // Nothing ran since the last test's end: its globals list and heap size are this test's start.
    const quiet = this.quietBetweenTests;
    this.quietBetweenTests = false;
    this.guard('testStart', () => {
      this.flushGlobals();
      this.tracker.activeTests.set(test.key, test);
      if (this.tracker.activeTests.size > 1 || this.tracker.concurrentBodies > 0) {
        // Concurrent tests share the process: per-test deltas would blame the wrong test, so none is taken.
        this.measuring = null;
        return;
      }
      this.measuring = test;
      const kinds = this.options.kinds;
      if (kinds.heap.action !== 'off') this.heap.start(quiet);
      if (kinds.global.action !== 'off') this.globals.start(this.realm.global, quiet);
      if (kinds.listener.action !== 'off') this.listeners.start(this.realm.process);
    });
  }

  /** The runner started the test, then skipped it (Jest's test.skip, todo, a -t filter): nothing of it is judged. */
  testSkip(test: TestRef): void {
    this.tracker.activeTests.delete(test.key);
    if (this.measuring?.key === test.key) this.measuring = null;
  }

  /**
   * Called after all of the test's afterEach hooks. Returns the test-scoped findings judged now (heap, listeners, and
   * with scope 'test' its resources); globals are confirmed at the next test or at file end and come back in the
   * file's result.
   */
  async testEnd(test: TestRef): Promise<Finding[]> {
    let judged: Finding[] = [];
    const matchedBefore = this.matchedInFile.length;
    const records: Tracked[] = [];
    this.guard('testEnd', () => {
      this.tracker.activeTests.delete(test.key);
      const measured = this.measuring?.key === test.key;
      this.measuring = null;
      this.quietBetweenTests = measured && this.reportsHooks;
      this.tracker.sweep();
      if (!measured || !this.file) return;
      const kinds = this.options.kinds;
      const measurements: Measurement[] = [];
      const titlePath = test.titlePath;
      if (kinds.heap.action !== 'off') {
        const bytes = this.heap.end(kinds.heap.threshold ?? 0);
        if (bytes !== undefined) {
          const details = { threshold: kinds.heap.threshold };
          measurements.push({ kind: 'heap', test: titlePath, name: '', site: null, bytes, details });
        }
      }
      if (kinds.global.action !== 'off') {
        const names = this.globals.end(this.realm.global);
        if (names.length) this.pendingGlobals = { test, names };
      }
      if (kinds.listener.action !== 'off') {
        for (const added of this.listeners.end(this.realm.process)) {
          const listener = { kind: 'listener' as const, test: titlePath, name: added.event, stackHolder: added.stack };
          measurements.push(measurement(this.root, { ...listener, details: { event: added.event } }));
        }
      }
      if (measurements.length === 0) return;
      judged = this.decide(this.file, 'file', { measurements });
      this.testFindings.push(...judged);
    });
    if (this.options.scope === 'test' && this.file) {
      try {
        judged.push(...(await this.judgeTestResources(test, this.file, records)));
      } catch (error) {
        this.errors.push(`testEnd: ${(error as Error)?.stack ?? String(error)}`);
      }
    }
    // Most tests leak nothing: nothing to remember for them.
    if (judged.length || records.length) {
      const entries = this.matchedInFile.slice(matchedBefore).map((i) => this.baseline!.entries[i]!);
      this.judgedTests.set(test.key, { findings: judged, records, entries });
    } else this.judgedTests.delete(test.key);
    return judged;
  }

  /**
   * The runner runs `test` again (Jest's retryTimes, Vitest's retry) and, as it does, judges it on its last attempt
   * only: what the earlier attempt's judgement found is taken back, with its baseline matches. What that attempt made
   * and left open is no longer the test's (a strict-scope judgement of the retry looks only at what the retry makes):
   * it is judged at the file's end, if still open then. Globals it left pending are dropped: the retry's measurement
   * starts with them.
   */
  testRetry(test: TestRef): Finding[] {
    if (this.pendingGlobals?.test.key === test.key) this.pendingGlobals = null;
    const file = this.file;
    if (file)
      for (const record of this.tracker.openRecords(file))
        if (record.test?.key === test.key) record.earlierAttempt = true;
    const earlier = this.judgedTests.get(test.key);
    if (!earlier) return [];
    this.judgedTests.delete(test.key);
    const dropped = new Set(earlier.findings);
    this.testFindings = this.testFindings.filter((f) => !dropped.has(f));
    for (const record of earlier.records) record.reported = false;
    for (const entry of earlier.entries) {
      this.matchedEntries.delete(entry);
      const index = this.matchedInFile.indexOf(this.baseline!.position.get(entry)!);
      if (index !== -1) this.matchedInFile.splice(index, 1);
    }
    return earlier.findings;
  }

  /**
   * scope: 'test': what the test's own code made is judged after its hooks, not at file end. It is reaped only at the
   * file's end: a later test or the file's afterAll may still use or close it, and reaping it now would break a suite
   * that passes without leakwatch.
   */
  private async judgeTestResources(test: TestRef, file: string, marked: Tracked[]): Promise<Finding[]> {
    const mine = () =>
      this.tracker
        .openRecords(file)
        .filter((r) => r.test?.key === test.key && !r.concurrent && !r.reported && !r.earlierAttempt);
    const settled = await settle(mine, this.options.settleMs);
    if (settled.length === 0) return [];
    const open = foldOwned(settled, this.tracker.openRecords(file));
    const judged = this.decide(file, 'test', { resources: openResources(this.root, open, this.options) });
    this.testFindings.push(...judged);
    for (const record of withFolded(open)) {
      record.reported = true;
      marked.push(record);
    }
    return judged;
  }

  /**
   * After judging: reaps what was reported (when `reap` is on) and forgets it with everything folded into it, so it
   * is reported once and a later file sharing the process never inherits it.
   */
  private async release(open: Tracked[]): Promise<void> {
    if (this.options.reap && open.length) this.errors.push(...(await reapWithFolded(open, this.root)));
    for (const record of withFolded(open)) this.tracker.forget(record);
  }

  /** Globals still present after the runner finished with the test that added them. */
  private flushGlobals(): void {
    const pending = this.pendingGlobals;
    this.pendingGlobals = null;
    if (!pending || !this.file) return;
    const global = this.realm.global as Record<string, unknown>;
    const left = pending.names.filter((name) => Object.hasOwn(global, name));
    if (left.length === 0) return;
    const test = pending.test.titlePath;
    const measurements = left.map(
      (name): Measurement => ({ kind: 'global', test, name, site: null, details: { name } }),
    );
    this.testFindings.push(...this.decide(this.file, 'file', { measurements }));
  }

  /** Called after the file's afterAll hooks: settles, then judges every resource of this file still open. */
  async fileEnd(): Promise<FileResult> {
    this.guard('fileEnd', () => this.flushGlobals());
    const file = this.file ?? '';
    const relative = relativePath(this.root, file);
    let findings: Finding[] = [...this.testFindings];
    try {
      const open = foldOwned(await settle(() => this.tracker.openRecords(file), this.options.settleMs));
      // What a strict-scope test judgement reported is reaped now, not reported twice.
      const resources = openResources(
        this.root,
        open.filter((r) => !r.reported),
        this.options,
      );
      findings.push(...this.decide(file, 'file', { resources }));
      await this.release(open);
    } catch (error) {
      this.errors.push(`fileEnd: ${(error as Error)?.stack ?? String(error)}`);
    }
    this.tracker.dropFile(file);
    this.endedFiles.add(file);
    try {
      findings.push(...(await this.judgeLate()));
    } catch (error) {
      this.errors.push(`fileEnd (late resources): ${(error as Error)?.stack ?? String(error)}`);
    }
    findings = findings.sort(compareFindings);
    const result: FileResult = { file: relative, findings, errors: this.errors };
    if (this.matchedInFile.length) result.baseline = this.matchedInFile;
    this.file = null;
    this.realm = { global: globalThis, process };
    this.tracker.currentFile = this.idleFile;
    this.testFindings = [];
    this.judgedTests = new Map();
    this.errors = [];
    return result;
  }

  /**
   * What the code of a file already judged made since (a callback of its test that fired while this file ran, with
   * files sharing the process): reported against its own file and test, with this file's result, and reaped. Those
   * findings are not this file's failure (see fileFailures).
   */
  private async judgeLate(): Promise<Finding[]> {
    const late = foldOwned(this.tracker.openRecords(this.endedFiles));
    if (late.length === 0) return [];
    const byFile = new Map<string, Tracked[]>();
    for (const record of late) byFile.set(record.file!, [...(byFile.get(record.file!) ?? []), record]);
    const findings = [...byFile].flatMap(([file, records]) =>
      this.decide(file, 'file', {
        resources: openResources(
          this.root,
          records.filter((r) => !r.reported),
          this.options,
        ),
      }),
    );
    await this.release(late);
    return findings;
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.errors.push(`${where}: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
}

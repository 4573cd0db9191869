/**
 * `@leakwatch/core/adapter`: what the runner adapters (`@leakwatch/vitest`, `@leakwatch/jest`) and the test suite use
 * to drive the engine. Internal: no semver promise, anything here may change or go in any release. Users and scripts
 * import `@leakwatch/core` (or their adapter package), whose exports are a selection of these.
 *
 * The build keeps `./adapter.js` out of `index.js` (see tsup.config.ts): both entries are then one module instance,
 * and the public entry is a few lines instead of a second copy of the engine.
 */
export { KINDS, KIND_INFO, TEST_SCOPED_KINDS, type Action, type Kind, type KindInfo } from './kinds.js';
export {
  DEFAULT_BASELINE,
  DEFAULT_HEAP_THRESHOLD,
  DEFAULT_SETTLE_MS,
  DEFAULT_STACK_FRAMES,
  LeakwatchConfigError,
  applyEnvironment,
  isCI,
  MODE_ENV,
  REPORT_DIR_ENV,
  resolveOptions,
  validateOptions,
  type IgnoreRule,
  type KindPolicy,
  type LeakwatchOptions,
  type ResolvedOptions,
} from './options.js';
export { defineConfig } from './define-config.js';
export { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile } from './config-file.js';
export { Detector, type FileResult, type Realm } from './detector.js';
export { MAIN_PROCESS, type TestRef } from './tracker.js';
export { findingId, type Finding, type Site } from './finding.js';
export {
  buildReport,
  type FileInfo,
  type LeakReport,
  type ReportInput,
  type Runner,
  RUNNERS,
  type Shard,
  type TestInfo,
} from './report/model.js';
export { renderJson } from './report/json.js';
export { renderJunit } from './report/junit.js';
export { renderConsole } from './report/console.js';
export { FileSession, type FileSessionInit } from './session.js';
export { RunCollector, type RunFile } from './run.js';
export { mergeReports, type NamedReport } from './merge.js';
export { RUN_ENV, joinRun } from './run-channel.js';
export { publishRun, type PublishInput } from './report/publish.js';
export { renderAnnotations, renderMarkdown } from './report/github.js';
export { DEFAULT_IGNORES, isIgnored } from './ignores.js';
export { allow, allowFile } from './allow.js';
export { track, untrack, type TrackKind, type TrackOptions } from './track.js';
export {
  loadBaseline,
  matchBaseline,
  renderBaseline,
  writeBaseline,
  type Baseline,
  type BaselineEntry,
} from './baseline.js';
export {
  DIFF_FORMATS,
  REPORT_FORMATS,
  checkBaseline,
  describeFinding,
  diffReports,
  filterReport,
  formatReport,
  loadReport,
  pruneBaseline,
  renderBaselineFrom,
  renderDiff,
  type BaselineCheck,
  type DiffFormat,
  type FindingFilter,
  type PrunedBaseline,
  type ReportDiff,
  type ReportFormat,
} from './commands.js';
export { relativePath } from './stack.js';
export { rememberSourceMapsOnStack } from './sourcemap.js';
export { ORIGINAL_TIMER, WRAPPED_TIMERS } from './probes/timers.js';

export { KINDS, KIND_INFO, TEST_SCOPED_KINDS, type Action, type Kind, type KindInfo } from './kinds.js';
export {
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
export { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile } from './config-file.js';
export { Detector, type FileResult, type Realm } from './detector.js';
export type { TestRef } from './tracker.js';
export { fileFailures, findingId, isFailing, type Finding, type Site } from './finding.js';
export { buildReport, type FileInfo, type LeakReport, type ReportInput, type TestInfo } from './report/model.js';
export { renderJson } from './report/json.js';
export { renderJunit } from './report/junit.js';
export { renderConsole, renderFileResult } from './report/console.js';
export { writeFileAtomic } from './report/write.js';
export { writeReports, type WrittenReports } from './report/outputs.js';
export { RunCollector, type RunFile } from './run.js';
export { FileSession, type FileSessionInit } from './session.js';
export { RUN_ENV } from './run-channel.js';
export { leakError } from './leak-error.js';
export { publishRun, type PublishInput } from './report/publish.js';
export { renderAnnotations, renderMarkdown } from './report/github.js';
export { DEFAULT_IGNORES, isIgnored } from './ignores.js';
export { allow, allowFile } from './allow.js';
export { track, untrack, type TrackKind, type TrackOptions } from './track.js';
export { DEFAULT_BASELINE } from './options.js';
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
export { watchForHang, HANG_CHECK_MS, type HangCheckInput } from './report/hang.js';
export { MAIN_PROCESS } from './detector.js';
export { relativePath } from './stack.js';
export { rememberSourceMapsOnStack } from './sourcemap.js';
export { ORIGINAL_TIMER, WRAPPED_TIMERS } from './probes/timers.js';

/**
 * The part of the engine a test process needs: Vitest loads it in every test file's process (a fresh one per file
 * under its default isolation), so it leaves out what only the runner's main process, the CLI or the setup-file-only
 * mode use (options validation, config files, report writers, baseline commands). Two-thirds of the full entry's size;
 * the detector is a process-wide singleton, shared with the full entry if both are loaded.
 */
export { Detector, type FileResult } from './detector.js';
export { fileFailures, isFailing, type Finding } from './finding.js';
export { leakError } from './leak-error.js';
export { decodeOptions } from './transport.js';

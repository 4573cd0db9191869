/**
 * The part of the engine a test process needs: Vitest loads it in every test file's process (a fresh one per file
 * under its default isolation), so it leaves out what only the runner's main process or the CLI use (report writers,
 * baseline commands, the run collector). The detector is a process-wide singleton, shared with the full entry if
 * both are loaded. Built as CommonJS only: worker.ts loads it through V8's code cache (code-cache.ts).
 */
export { FileSession, type FileSessionInit } from './session.js';
export type { FileResult } from './detector.js';

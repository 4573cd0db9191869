/**
 * The setup file: Vitest evaluates it for every test file, isolated or not. Everything else loads once per worker
 * process through Node (./runtime.js is kept out of the bundle and out of Vitest's module runner).
 */
import { watchTestFile } from './runtime.js';

watchTestFile();

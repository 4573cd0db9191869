import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { jiti } from './lazy.js';
import { LeakwatchConfigError, validateOptions, type LeakwatchOptions } from './options.js';

export const CONFIG_FILE_NAMES = [
  'leakwatch.config.ts',
  'leakwatch.config.mts',
  'leakwatch.config.cts',
  'leakwatch.config.js',
  'leakwatch.config.mjs',
  'leakwatch.config.cjs',
  'leakwatch.config.json',
] as const;

export function findConfigFile(root: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

function cannotLoad(shown: string, file: string, error: unknown): LeakwatchConfigError {
  return new LeakwatchConfigError(
    `leakwatch: cannot load ${shown}: ${(error as Error).message}. Fix: make it ${
      file.endsWith('.json') ? 'valid JSON' : 'a module whose default export is the options object'
    }.`,
  );
}

function validated(raw: unknown, shown: string): LeakwatchOptions {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LeakwatchConfigError(
      `leakwatch: ${shown} must export an options object (got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}). Fix: export default { settleMs: 500, ... }.`,
    );
  }
  return validateOptions(raw, shown);
}

/** Loads and validates `leakwatch.config.*` from the project root; undefined when there is none. */
export async function loadConfigFile(root: string): Promise<{ file: string; options: LeakwatchOptions } | undefined> {
  const file = findConfigFile(root);
  if (!file) return undefined;
  const shown = path.relative(root, file) || file;
  let raw: unknown;
  try {
    if (file.endsWith('.json')) {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } else {
      // jiti loads .ts/.mts/.cts and plain JS alike, without a build step in the user's project.
      // Required, not imported: this code also runs as a vm.Script (code-cache.ts), where import() needs a flag.
      const { createJiti } = jiti();
      const loader = createJiti(pathToFileURL(file).href, { moduleCache: false, fsCache: false });
      const namespace = (await loader.import(file)) as Record<string, unknown>;
      // Named exports alone would be read as options named after them ('unknown option "x"'): say what is missing.
      if (namespace === null || typeof namespace !== 'object' || !('default' in namespace)) {
        const names = namespace && typeof namespace === 'object' ? Object.keys(namespace) : [];
        throw new LeakwatchConfigError(
          `leakwatch: ${shown} has no default export${names.length ? ` (it exports ${names.map((n) => `"${n}"`).join(', ')})` : ''}. Fix: export the options object as the default: export default defineConfig({ ... }) (or module.exports = { ... }).`,
        );
      }
      raw = namespace.default;
    }
  } catch (error) {
    if (error instanceof LeakwatchConfigError) throw error;
    throw cannotLoad(shown, file, error);
  }
  return { file, options: validated(raw, shown) };
}

/**
 * Throws, without awaiting, the errors loadConfigFile would find that can be found that way: a JSON file, or a module
 * whose default export (or CommonJS exports) jiti can load synchronously. For the setup-file-only mode, where a test
 * file would otherwise run its tests before its options are known. What cannot be read synchronously (top-level
 * await, an ESM-only import) is left to loadConfigFile, which says what is wrong.
 */
export function checkConfigFileNow(root: string): void {
  const file = findConfigFile(root);
  if (!file) return;
  const shown = path.relative(root, file) || file;
  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw cannotLoad(shown, file, error);
    }
  } else {
    try {
      const { createJiti } = jiti();
      const exports = createJiti(file, { moduleCache: false, fsCache: false })(file) as Record<string, unknown>;
      if (exports !== null && typeof exports === 'object' && 'default' in exports) raw = exports.default;
      else if (file.endsWith('.cjs') || file.endsWith('.cts')) raw = exports;
      else return;
    } catch {
      return;
    }
  }
  validated(raw, shown);
}

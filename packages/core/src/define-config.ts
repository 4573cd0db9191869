import type { LeakwatchOptions } from './options.js';

/**
 * Types a `leakwatch.config.ts` (or .js with `// @ts-check`): `export default defineConfig({ settleMs: 200 })`.
 * Returns its argument; the options are validated when the config file is loaded, as without it.
 */
export function defineConfig(options: LeakwatchOptions): LeakwatchOptions {
  return options;
}

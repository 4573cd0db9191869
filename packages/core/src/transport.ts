import type { ResolvedOptions } from './options.js';

/**
 * Resolved options travel from the runner's main process to its workers in the environment: workers (forks and
 * threads alike) inherit it, and it is validated once, at startup, in the main process.
 */
export const OPTIONS_ENV = 'LEAKWATCH_RESOLVED_OPTIONS';

export interface TransportedOptions {
  options: ResolvedOptions;
  root: string;
  /** A main-process reporter prints and writes the reports; the worker stays quiet. */
  reporter: boolean;
}

export function encodeOptions(value: TransportedOptions): string {
  return JSON.stringify(value);
}

export function decodeOptions(env: NodeJS.ProcessEnv): TransportedOptions | undefined {
  const raw = env[OPTIONS_ENV];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as TransportedOptions;
  } catch {
    return undefined;
  }
}

import fs from 'node:fs';
import path from 'node:path';

export interface AppConfig {
  /** How often the job poller looks for work. */
  pollIntervalMs: number;
  /** How long GET /notes/:id responses stay cached. */
  cacheTtlMs: number;
  /** Longest note body the API accepts. */
  maxNoteLength: number;
}

export const DEFAULT_CONFIG: AppConfig = { pollIntervalMs: 1000, cacheTtlMs: 30_000, maxNoteLength: 10_000 };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a JSON config file over the defaults; a missing file means the defaults. */
export function loadConfig(file: string): AppConfig {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_CONFIG };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${file}: invalid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${file}: expected an object`);
  const config = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULT_CONFIG)) throw new ConfigError(`${file}: unknown key "${key}"`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ConfigError(`${file}: "${key}" must be a positive integer`);
    }
    config[key as keyof AppConfig] = value;
  }
  return config;
}

export interface ConfigWatcher {
  readonly current: AppConfig;
  close(): void;
}

export interface WatchOptions {
  /** Editors write files in several steps: wait this long after the last event before reloading. */
  debounceMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Loads the config and reloads it whenever the file changes. Watches the directory rather than the file, so an
 * editor that saves by renaming a temp file over it is still seen. An invalid file keeps the last good config.
 */
export function watchConfig(file: string, onChange: (config: AppConfig) => void, options: WatchOptions = {}): ConfigWatcher {
  let current = loadConfig(file);
  let pending: NodeJS.Timeout | undefined;
  const reload = () => {
    pending = undefined;
    try {
      current = loadConfig(file);
      onChange(current);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const watcher = fs.watch(path.dirname(file), (_event, name) => {
    if (name !== path.basename(file)) return;
    clearTimeout(pending);
    pending = setTimeout(reload, options.debounceMs ?? 50);
  });
  return {
    get current() {
      return current;
    },
    close() {
      clearTimeout(pending);
      watcher.close();
    },
  };
}

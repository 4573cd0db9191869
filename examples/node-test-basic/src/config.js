'use strict';

const fs = require('node:fs');
const path = require('node:path');

/**
 * @typedef {object} AppConfig
 * @property {number} pollIntervalMs How often the job poller looks for work.
 * @property {number} cacheTtlMs     How long GET /notes/:id responses stay cached.
 * @property {number} maxNoteLength  Longest note body the API accepts.
 */

/** @type {Readonly<AppConfig>} */
const DEFAULT_CONFIG = Object.freeze({ pollIntervalMs: 1000, cacheTtlMs: 30_000, maxNoteLength: 10_000 });

class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads a JSON config file over the defaults; a missing file means the defaults.
 * @returns {AppConfig}
 */
function loadConfig(file) {
  let raw;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return { ...DEFAULT_CONFIG };
    throw error;
  }
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`${file}: invalid JSON (${error.message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${file}: expected an object`);
  const config = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULT_CONFIG)) throw new ConfigError(`${file}: unknown key "${key}"`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ConfigError(`${file}: "${key}" must be a positive integer`);
    }
    config[key] = value;
  }
  return config;
}

/**
 * Loads the config and reloads it whenever the file changes. Watches the directory rather than the file, so an
 * editor that saves by renaming a temp file over it is still seen. An invalid file keeps the last good config.
 *
 * @param {string} file
 * @param {(config: AppConfig) => void} onChange
 * @param {{ debounceMs?: number, onError?: (error: unknown) => void }} [options]
 *   `debounceMs`: editors write files in several steps, so wait this long after the last event before reloading.
 * @returns {{ readonly current: AppConfig, close(): void }}
 */
function watchConfig(file, onChange, options = {}) {
  let current = loadConfig(file);
  let pending;
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

module.exports = { DEFAULT_CONFIG, ConfigError, loadConfig, watchConfig };

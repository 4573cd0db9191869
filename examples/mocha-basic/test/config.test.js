'use strict';

const { expect } = require('expect');
const { fn } = require('jest-mock');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ConfigError, DEFAULT_CONFIG, loadConfig, watchConfig } = require('../src/config');
const { waitFor } = require('./helpers');

let dir;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-config-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name, content) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('a missing file means the defaults', () => {
    expect(loadConfig(path.join(dir, 'missing.json'))).toEqual(DEFAULT_CONFIG);
  });

  it('values override the defaults', () => {
    const file = writeConfig('override.json', { pollIntervalMs: 250 });
    expect(loadConfig(file)).toEqual({ ...DEFAULT_CONFIG, pollIntervalMs: 250 });
  });

  it('rejects bad JSON, unknown keys and bad values', () => {
    expect(() => loadConfig(writeConfig('bad.json', '{'))).toThrow(ConfigError);
    expect(() => loadConfig(writeConfig('unknown.json', { pollInterval: 1 }))).toThrow(/unknown key "pollInterval"/);
    expect(() => loadConfig(writeConfig('negative.json', { cacheTtlMs: -1 }))).toThrow(/positive integer/);
  });
});

describe('watchConfig', () => {
  let watcher;
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
  });

  it('reloads when the file changes', async () => {
    const file = writeConfig('watched.json', { pollIntervalMs: 100 });
    const onChange = fn();
    watcher = watchConfig(file, onChange, { debounceMs: 10 });
    expect(watcher.current.pollIntervalMs).toBe(100);

    fs.writeFileSync(file, JSON.stringify({ pollIntervalMs: 200 }));
    await waitFor(() => expect(onChange).toHaveBeenCalledWith({ ...DEFAULT_CONFIG, pollIntervalMs: 200 }));
    expect(watcher.current.pollIntervalMs).toBe(200);
  });

  it('keeps the last good config when the file becomes invalid', async () => {
    const file = writeConfig('broken.json', { cacheTtlMs: 5 });
    const onError = fn();
    watcher = watchConfig(file, () => {}, { debounceMs: 10, onError });

    fs.writeFileSync(file, '{ "cacheTtlMs": ');
    await waitFor(() => expect(onError).toHaveBeenCalledWith(expect.any(ConfigError)));
    expect(watcher.current.cacheTtlMs).toBe(5);
  });

  it('exposes the config it started with', () => {
    const file = writeConfig('initial.json', { maxNoteLength: 42 });
    // deliberate leak: the watcher is kept in a local, not in `watcher`, so afterEach never closes it.
    const local = watchConfig(file, () => {});
    expect(local.current.maxNoteLength).toBe(42);
  });
});

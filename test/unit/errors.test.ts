import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { allow, allowFile } from '../../packages/core/src/allow.js';
import { loadBaseline } from '../../packages/core/src/baseline.js';
import { loadConfigFile } from '../../packages/core/src/config-file.js';
import { validateOptions } from '../../packages/core/src/options.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-errors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};
const invalid = (input: unknown) => message(() => validateOptions(input, 'the plugin options'));

describe('option errors name the key, what it should be, what it got, and the fix', () => {
  test('a number that must be whole', () => {
    expect(invalid({ settleMs: 1.5 })).toBe(
      'leakwatch: invalid value for "settleMs": expected a whole number, got 1.5 in the plugin options. Fix: use a whole number of milliseconds between 0 and 60000, e.g. settleMs: 500.',
    );
    expect(invalid({ settleMs: -1 })).toContain('"settleMs": expected at least 0, got -1');
    expect(invalid({ stackFrames: 500 })).toContain('"stackFrames": expected at most 200, got 500');
  });

  test("an action that does not exist, as a string or in a kind's object", () => {
    expect(invalid({ kinds: { timer: 'error' } })).toContain(
      `"kinds.timer": expected one of 'fail', 'warn', 'off', got 'error'`,
    );
    expect(invalid({ kinds: { timer: { action: 'error' } } })).toContain(
      `"kinds.timer.action": expected one of 'fail', 'warn', 'off', got 'error'`,
    );
    expect(invalid({ kinds: { timer: { allow: 1.5 } } })).toContain(
      '"kinds.timer.allow": expected a whole number, got 1.5',
    );
  });

  test('a kind that does not exist in an ignore rule', () => {
    expect(invalid({ ignore: [{ kind: 'timers' }] })).toContain(`"ignore.0.kind": expected one of 'timer', 'socket'`);
    expect(invalid({ ignore: [{ kind: 'timers' }] })).toContain(`got 'timers'`);
  });

  test('values of the wrong type say what they got in words', () => {
    expect(invalid({ reap: 'yes' })).toContain(`"reap": expected true or false, got 'yes'`);
    expect(invalid({ outputFile: { json: 3 } })).toContain('"outputFile.json": expected a string, got 3');
    expect(invalid({ ignore: {} })).toContain('"ignore": expected a list, got an object');
  });
});

describe('allow() and allowFile() refuse what would silently allow nothing', () => {
  test('a kind that does not exist is a TypeError naming the kinds', () => {
    expect(() => allow('timers' as never, 'why')).toThrow(TypeError);
    expect(message(() => allow('timers' as never, 'why'))).toBe(
      'leakwatch: allow("timers", ...): not a kind. Fix: use one of timer, socket, server, child-process, worker, message-port, fs-watcher, file-handle, sqlite, db-connection, heap, global, listener, other (or a list of them).',
    );
    expect(message(() => allowFile(['timer', 'sockets'] as never, 'why'))).toContain('allowFile("sockets", ...)');
  });

  test('a missing reason is a TypeError with an example', () => {
    expect(message(() => allow('timer', '' as string))).toContain('needs a reason. Fix: say why');
    expect(message(() => allowFile('timer', undefined as unknown as string))).toContain('allowFile("timer", ...)');
  });
});

describe('config files and baselines', () => {
  test('a config module with named exports and no default export says so, and lists them', async () => {
    const root = fs.mkdtempSync(path.join(dir, 'named-'));
    fs.writeFileSync(path.join(root, 'leakwatch.config.mjs'), 'export const settleMs = 500;\n');
    await expect(loadConfigFile(root)).rejects.toThrow(
      'leakwatch: leakwatch.config.mjs has no default export (it exports "settleMs"). Fix: export the options object as the default',
    );
  });

  test('a CommonJS config (module.exports) and a default export both load', async () => {
    const cjs = fs.mkdtempSync(path.join(dir, 'cjs-'));
    fs.writeFileSync(path.join(cjs, 'leakwatch.config.cjs'), 'module.exports = { settleMs: 100 };\n');
    expect((await loadConfigFile(cjs))?.options).toEqual({ settleMs: 100 });
    const esm = fs.mkdtempSync(path.join(dir, 'esm-'));
    fs.writeFileSync(path.join(esm, 'leakwatch.config.mjs'), 'export default { settleMs: 200 };\n');
    expect((await loadConfigFile(esm))?.options).toEqual({ settleMs: 200 });
  });

  test('a baseline written by a newer leakwatch asks for an upgrade, not a restore', () => {
    const file = path.join(dir, 'newer.json');
    fs.writeFileSync(file, JSON.stringify({ version: 2, entries: [] }));
    const text = message(() => loadBaseline(file));
    expect(text).toContain('has version 2, and this leakwatch reads version 1');
    expect(text).toContain('Fix: upgrade leakwatch');
    expect(text).not.toContain('restore it');
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, JSON.stringify({ version: 1, entries: 'x' }));
    expect(message(() => loadBaseline(broken))).toContain('Fix: restore it from version control');
  });
});

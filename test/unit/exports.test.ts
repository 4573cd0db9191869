/**
 * The runtime export names of every importable entry, as built (dist), through import() and require() alike: an
 * export added by accident (an engine internal in the public entry) or lost in one module system fails here.
 */
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { EXPORT_NAMES, USER_FACING } from './export-names.js';

const require = createRequire(import.meta.url);

const names = (module: object) => Object.keys(module).sort();

describe('runtime exports of each entry', () => {
  test.each(Object.entries(EXPORT_NAMES))('%s, imported', async (id, expected) => {
    expect(names(await import(id))).toEqual([...expected].sort());
  });

  test.each(Object.entries(EXPORT_NAMES))('%s, required', (id, expected) => {
    expect(names(require(id))).toEqual([...expected].sort());
  });

  test('the adapter packages hand users the same track, allow and defineConfig as core (one engine)', async () => {
    const core = await import('@leakwatch/core');
    const adapter = await import('@leakwatch/core/adapter');
    for (const id of ['@leakwatch/vitest', '@leakwatch/jest', '@leakwatch/mocha', '@leakwatch/node-test']) {
      const pkg = await import(id);
      for (const name of USER_FACING) expect(pkg[name], `${id} ${name}`).toBe(core[name as keyof typeof core]);
    }
    for (const name of USER_FACING) expect(adapter[name as keyof typeof adapter]).toBe(core[name as keyof typeof core]);
  });

  test('defineConfig returns the options it is given, typed as LeakwatchOptions', async () => {
    const { defineConfig } = await import('@leakwatch/core');
    const options = { settleMs: 200, kinds: { timer: 'warn' as const } };
    expect(defineConfig(options)).toBe(options);
    // @ts-expect-error an unknown option is a type error in a typed config file
    defineConfig({ settleMs: 200, notAnOption: true });
  });
});

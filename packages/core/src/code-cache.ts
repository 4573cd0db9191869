import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { fnv1a } from './hash.js';

export interface Loaded<T> {
  exports: T;
  /** Writes the code cache, if it was missing or V8 rejected it: call once the common paths have run. */
  persist(): void;
}

/**
 * Where this user's cache of `file` lives: a directory of ours in the temp dir (mode 0700, owned by us, checked,
 * since V8 runs whatever bytecode it is given), named for everything V8 checks the cache against (its version, the
 * flags) and for the file's identity, so a rebuilt or upgraded leakwatch never meets an old cache. Undefined when
 * LEAKWATCH_CODE_CACHE is 'off' (or '0') or the directory is not safely ours.
 */
function cachePath(file: string): string | undefined {
  const setting = process.env.LEAKWATCH_CODE_CACHE;
  if (setting === 'off' || setting === '0') return undefined;
  const uid = process.getuid?.();
  const dir = setting || path.join(os.tmpdir(), `leakwatch-${uid ?? os.userInfo().username}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0))) return undefined;
  const source = fs.statSync(file);
  const key = [file, source.size, source.mtimeMs, process.version, process.arch, process.execArgv.join(' ')];
  return path.join(dir, `code-${fnv1a(`${key.join('\0')}\0${process.env.NODE_OPTIONS ?? ''}`)}.bin`);
}

/**
 * Loads a CommonJS file of leakwatch's own as `require` would, but through V8's code cache. Only for files without a
 * dynamic `import()` (a vm.Script's import() needs --experimental-vm-modules) and that nothing else requires (the
 * module is not entered in require's cache). Any failure of the cache falls back to a plain require.
 */
export function requireCached<T>(file: string): Loaded<T> {
  const plain = (): Loaded<T> => ({ exports: createRequire(file)(file) as T, persist() {} });
  let store: string | undefined;
  let script: vm.Script;
  let cachedData: Buffer | undefined;
  try {
    store = cachePath(file);
    if (store === undefined) return plain();
    try {
      cachedData = fs.readFileSync(store);
    } catch {
      // Not written yet: this process writes it.
    }
    script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  } catch {
    return plain();
  }
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(file),
  );
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  let due = cachedData === undefined || script.cachedDataRejected === true;
  return {
    exports: module.exports as T,
    persist() {
      if (!due) return;
      due = false;
      const temporary = `${store}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        // Atomic: a process starting meanwhile reads the old cache or the new one, never half of one.
        fs.renameSync(temporary, store!);
      } catch {
        fs.rmSync(temporary, { force: true });
      }
    },
  };
}

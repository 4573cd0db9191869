/**
 * The Mocha that runs this process: the one whose CLI (or worker script) is the process's main script, not whichever
 * `mocha` the project would resolve to (a second copy would be a second set of classes that never sees the run).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface RunningMocha {
  /** The package's folder. */
  root: string;
  version: string | undefined;
  /** Mocha's class (the module the CLI and the worker use); undefined if it cannot be loaded. */
  Mocha: (new (...args: any[]) => any) & { prototype: any };
  /** This process is one of `--parallel`'s workers, not the main process. */
  isWorker: boolean;
}

const require = createRequire(import.meta.url);

function packageOf(file: string): { root: string; version?: string } | undefined {
  let dir = path.dirname(file);
  for (;;) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'mocha') return { root: dir, version: manifest.version };
    } catch {
      // No package.json here: look further up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

let found: RunningMocha | null | undefined;

export function runningMocha(): RunningMocha | undefined {
  if (found !== undefined) return found ?? undefined;
  found = null;
  let main: string | undefined;
  try {
    main = process.argv[1] ? fs.realpathSync.native(path.resolve(process.argv[1])) : undefined;
  } catch {
    main = undefined;
  }
  let pkg = main ? packageOf(main) : undefined;
  // Mocha run from a script (its programmatic API): the project's own.
  if (!pkg) {
    try {
      const manifest = createRequire(path.join(process.cwd(), 'index.js')).resolve('mocha/package.json');
      pkg = packageOf(manifest);
    } catch {
      return undefined;
    }
  }
  if (!pkg) return undefined;
  // Mocha 12 ships its classes as lib/mocha.cjs (its index.js is ESM), Mocha 11 as lib/mocha.js.
  const entry = ['mocha.cjs', 'mocha.js'].map((name) => path.join(pkg.root, 'lib', name)).find((f) => fs.existsSync(f));
  if (!entry) return undefined;
  try {
    const Mocha = require(entry);
    const workerScript = /[\\/]lib[\\/]nodejs[\\/]worker\.c?js$/;
    found = {
      root: pkg.root,
      version: pkg.version,
      Mocha,
      isWorker: main !== undefined && workerScript.test(main),
    };
  } catch {
    return undefined;
  }
  return found;
}

import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

/**
 * The root of a Jest package that is loaded in this process (e.g. 'jest-runner' in a worker, '@jest/core' in the main
 * process): the Jest that is actually running, whatever else the project's node_modules or NODE_PATH hold.
 */
export function loadedJestPackage(name: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
  for (const file of Object.keys((Module as any)._cache ?? {})) {
    const at = file.lastIndexOf(marker);
    if (at !== -1) return file.slice(0, at + marker.length - 1);
  }
  return undefined;
}

export function packageVersion(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

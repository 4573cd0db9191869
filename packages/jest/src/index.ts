import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Detector, validateOptions, type LeakwatchOptions } from '@leakwatch/core/adapter';
import { SETTINGS_KEY, type EnvironmentSettings } from './environment.js';

export {
  DEFAULT_IGNORES,
  allow,
  allowFile,
  defineConfig,
  track,
  untrack,
  type Action,
  type FileInfo,
  type Finding,
  type IgnoreRule,
  type Kind,
  type KindPolicy,
  type LeakReport,
  type LeakwatchOptions,
  type Site,
  type TestInfo,
  type TrackKind,
  type TrackOptions,
} from '@leakwatch/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENVIRONMENT = path.join(here, 'environment.cjs');
const REPORTER = path.join(here, 'reporter.cjs');
const SETUP = path.join(here, 'setup.cjs');

type Reporter = string | [string, Record<string, unknown>];

/**
 * Adds leakwatch to a Jest config and keeps the user's own settings: their testEnvironment (node, jsdom, custom) is
 * wrapped, not replaced; their setupFilesAfterEnv and reporters are kept (with 'default' when they had none).
 * Multi-project configs get the environment in every inline project.
 */
export function withLeakwatch<T extends Record<string, any>>(config: T, options: LeakwatchOptions = {}): T {
  const validated = validateOptions(options, 'the withLeakwatch() options');
  // The config is loaded in Jest's main process, before globalSetup: from here on, what user code there leaves open
  // is recorded, to say at the end what keeps the run alive.
  Detector.shared().watchMainProcess();
  const wrapProject = (project: Record<string, any>): Record<string, any> => {
    // Jest does not hand the top-level testEnvironment down to inline projects (a project without one gets 'node'):
    // neither does leakwatch, or a project would silently run in another environment than without leakwatch.
    const settings: EnvironmentSettings = { baseEnvironment: project.testEnvironment ?? 'node', options: validated };
    return {
      ...project,
      // A fallback for files whose `@jest-environment` docblock replaces the environment: the setup file judges
      // them instead, and stays idle wherever the leakwatch environment runs.
      setupFilesAfterEnv: [SETUP, ...(project.setupFilesAfterEnv ?? []).filter((f: string) => f !== SETUP)],
      testEnvironment: ENVIRONMENT,
      testEnvironmentOptions: { ...(project.testEnvironmentOptions ?? {}), [SETTINGS_KEY]: settings },
    };
  };
  const reporters: Reporter[] = config.reporters ?? ['default'];
  const result: Record<string, any> = {
    ...wrapProject(config),
    reporters: [
      ...reporters.filter((r) => (Array.isArray(r) ? r[0] : r) !== REPORTER),
      [REPORTER, { options: validated }],
    ],
  };
  if (Array.isArray(config.projects)) {
    result.projects = config.projects.map((p: unknown) =>
      p && typeof p === 'object' ? wrapProject(p as Record<string, any>) : p,
    );
    const rootDir = typeof config.rootDir === 'string' ? config.rootDir : process.cwd();
    for (const project of config.projects) {
      if (typeof project === 'string' && !projectUsesLeakwatch(project, rootDir)) {
        process.stderr.write(
          `leakwatch: the Jest project "${project}" is given as a path, and its own config does not use leakwatch: its files run without it. Fix: wrap that project's config with withLeakwatch(), or list the project inline in this config.\n`,
        );
      }
    }
  }
  return result as T;
}

const PROJECT_CONFIGS = ['jest.config.js', 'jest.config.cjs', 'jest.config.mjs', 'jest.config.ts', 'jest.config.json'];

/**
 * A project given as a path is configured by its own file, which withLeakwatch() never sees: leakwatch runs there only
 * if that file names @leakwatch/jest itself. Read as text, not evaluated (evaluating the user's config twice could have
 * side effects): a path that names a config file, or a directory with a jest.config.* or a package.json "jest" key.
 */
function projectUsesLeakwatch(project: string, rootDir: string): boolean {
  const target = path.resolve(rootDir, project.replace(/^<rootDir>(?=[\\/]|$)/, rootDir));
  const candidates = /\.(c|m)?[jt]s$|\.json$/.test(target)
    ? [target]
    : [...PROJECT_CONFIGS.map((name) => path.join(target, name)), path.join(target, 'package.json')];
  for (const file of candidates) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    return text.includes('@leakwatch/jest');
  }
  return false;
}

export default withLeakwatch;

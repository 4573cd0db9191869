#!/usr/bin/env node
/**
 * `leakwatch`: print a JSON report again, maintain the baseline and compare two runs.
 * Exit codes: 0 ok, 1 a check failed or the report has failing findings, 2 usage or input error.
 */
import path from 'node:path';
import { cac } from 'cac';
import { loadBaseline, serializeBaseline, type Baseline } from './baseline.js';
import {
  DIFF_FORMATS,
  REPORT_FORMATS,
  checkBaseline,
  describeFinding,
  diffReports,
  filterReport,
  formatReport,
  loadReport,
  pruneBaseline,
  renderBaselineFrom,
  renderDiff,
  type DiffFormat,
  type ReportFormat,
} from './commands.js';
import { isFailing } from './finding.js';
import { KINDS, type Kind } from './kinds.js';
import { DEFAULT_BASELINE, LeakwatchConfigError } from './options.js';
import { mergeReports } from './merge.js';
import { renderJson } from './report/json.js';
import { junitOptionsOf, renderJunit } from './report/junit.js';
import { judgedFiles, type LeakReport } from './report/model.js';
import { writeFileAtomic } from './report/write.js';

declare const __LEAKWATCH_VERSION__: string;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const DEFAULT_REPORT = 'leakwatch.json';

class UsageError extends Error {}

/** Where output goes; paths are relative to the process's working directory. */
interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Keep ANSI colors in the text report: on a terminal, or with --color / FORCE_COLOR. */
  color: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is the byte that starts a colour code.
const ANSI = /\x1b\[[0-9;]*m/g;

/** Repeated options come as arrays, numbers as numbers (mri); a comma also separates values. */
function list(value: unknown): string[] {
  if (value === undefined || value === false) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((x) => String(x).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

function one(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`${option} was given ${value.length} times. Fix: give it once.`);
  if (typeof value === 'boolean') throw new UsageError(`${option} needs a value.`);
  return String(value);
}

function choice<T extends string>(value: unknown, option: string, allowed: readonly T[]): T {
  const s = one(value, option) ?? allowed[0]!;
  if (!(allowed as readonly string[]).includes(s))
    throw new UsageError(`invalid ${option} "${s}". Fix: use one of ${allowed.join(', ')}.`);
  return s as T;
}

function kinds(value: unknown): Kind[] {
  const out = list(value);
  for (const k of out) {
    if (!(KINDS as readonly string[]).includes(k))
      throw new UsageError(`unknown kind "${k}" for --kind. Fix: use one of ${KINDS.join(', ')}.`);
  }
  return out as Kind[];
}

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

/** Where `leakwatch baseline` writes by default: the baseline the run used or was configured with, when relative. */
function baselinePath(report: LeakReport, out: string | undefined): { file: string; shown: string } {
  const relative = (p: unknown) => (typeof p === 'string' && p !== '' && !path.isAbsolute(p) ? p : undefined);
  const shown =
    out ??
    relative(report.baseline?.file) ??
    relative((report.policy as { baseline?: unknown } | undefined)?.baseline) ??
    DEFAULT_BASELINE;
  return { file: path.resolve(shown), shown };
}

function write(file: string, shown: string, content: string): void {
  try {
    writeFileAtomic(file, content);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new LeakwatchConfigError(
      `leakwatch: cannot write the baseline file ${shown} (${e.code ?? e.message}). Fix: make its directory writable, or pass --out <file>.`,
    );
  }
}

function reportCommand(file: string, options: Record<string, unknown>, io: Io): number {
  const format = choice<ReportFormat>(options.format, '--format', REPORT_FORMATS);
  const filter = { kinds: kinds(options.kind), files: list(options.file) };
  const root = path.resolve(one(options.root, '--root') ?? '.');
  const report = filterReport(loadReport(file), filter);
  const text = formatReport(report, format, { root });
  io.stdout(io.color ? text : text.replace(ANSI, ''));
  return report.findings.some(isFailing) ? EXIT_FAILED : EXIT_OK;
}

function baselineCommand(file: string, options: Record<string, unknown>, io: Io): number {
  if (options.prune && options.check)
    throw new UsageError('--prune and --check cannot be used together. Fix: use one of them.');
  for (const flag of ['prune', 'check'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new UsageError(`--${flag} takes no value.`);
  }
  const report = loadReport(file);
  const out = baselinePath(report, one(options.out, '--out'));
  const judged = judgedFiles(report);
  // A shard's report knows only its own files: the entries of the others are left to their shards.
  const scope = report.shard
    ? ` (shard ${report.shard.index}/${report.shard.count}: only the entries of its ${plural(report.files.length, 'test file')})`
    : '';

  if (options.check) {
    const baseline = loadBaseline(out.file);
    if (!baseline) {
      throw new LeakwatchConfigError(
        `leakwatch: there is no baseline file ${out.shown} to check against. Fix: write it with \`npx leakwatch baseline ${file}\` and commit it, or pass --out <file>.`,
      );
    }
    const check = checkBaseline(report.findings, baseline, judged);
    const lines: string[] = [];
    if (check.unbaselined.length) {
      lines.push(`leakwatch: ${plural(check.unbaselined.length, 'finding')} not in the baseline ${out.shown}:`);
      lines.push(...check.unbaselined.map((f) => `  + ${describeFinding(f)}`));
    }
    if (check.stale.length) {
      lines.push(
        `leakwatch: ${plural(check.stale.length, 'stale baseline entry', 'stale baseline entries')} in ${out.shown} (the leak no longer occurs):`,
      );
      lines.push(...check.stale.map((e) => `  - ${describeFinding(e)}`));
    }
    if (check.ok) {
      lines.push(
        `leakwatch: the baseline ${out.shown} is up to date (${plural(baseline.entries.length, 'entry', 'entries')}, ${plural(report.findings.length, 'finding')})${scope}.`,
      );
    } else {
      const fixes: string[] = [];
      if (check.unbaselined.length) fixes.push('fix the new leaks (or accept them with `npx leakwatch baseline`)');
      if (check.stale.length)
        fixes.push('remove the stale entries with `npx leakwatch baseline --prune` and commit the file');
      lines.push(`Fix: ${fixes.join('; ')}.`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return check.ok ? EXIT_OK : EXIT_FAILED;
  }

  if (options.prune) {
    const baseline = loadBaseline(out.file);
    if (!baseline) {
      throw new LeakwatchConfigError(
        `leakwatch: there is no baseline file ${out.shown} to prune. Fix: write it with \`npx leakwatch baseline ${file}\`, or pass --out <file>.`,
      );
    }
    const pruned = pruneBaseline(baseline, report.findings, judged);
    write(out.file, out.shown, serializeBaseline(pruned.baseline.entries));
    const lines = [
      `leakwatch: removed ${plural(pruned.removed.length, 'entry', 'entries')} from ${out.shown} (leaks that no longer occur), ${pruned.baseline.entries.length} kept${scope}.`,
      ...pruned.removed.map((e) => `  - ${describeFinding(e)}`),
    ];
    if (pruned.unbaselined.length) {
      lines.push(
        `leakwatch: ${plural(pruned.unbaselined.length, 'finding')} not in the baseline ${pruned.unbaselined.length === 1 ? 'was' : 'were'} not added (a prune never adds; \`npx leakwatch baseline\` accepts them):`,
      );
      lines.push(...pruned.unbaselined.map((f) => `  + ${describeFinding(f)}`));
    }
    io.stdout(`${lines.join('\n')}\n`);
    return EXIT_OK;
  }

  let previous: Baseline | undefined;
  try {
    previous = loadBaseline(out.file);
  } catch {
    // Overwriting a corrupt baseline is the fix its error message gives.
  }
  write(out.file, out.shown, renderBaselineFrom(report.findings, previous, judged));
  let change = '';
  if (previous) {
    const check = checkBaseline(report.findings, previous, judged);
    change = ` (${check.unbaselined.length} new, ${check.stale.length} removed)`;
  }
  io.stdout(
    `leakwatch: wrote ${plural(report.findings.length, 'entry', 'entries')} to ${out.shown}${change}${scope}. Commit it: later runs fail only on leaks not in it.\n`,
  );
  return EXIT_OK;
}

function mergeCommand(files: string[], options: Record<string, unknown>, io: Io): number {
  const out = one(options.out, '--out') ?? DEFAULT_REPORT;
  const junit = one(options.junit, '--junit');
  const inputs = files.map((name) => ({ name, report: loadReport(name) }));
  if (inputs.some((i) => path.resolve(i.name) === path.resolve(out)))
    throw new UsageError(`--out ${out} is one of the reports to merge. Fix: write the merged report elsewhere.`);
  const merged = mergeReports(inputs);
  const written: string[] = [];
  for (const [file, render] of [
    [out, renderJson],
    [junit, (report: LeakReport) => renderJunit(report, junitOptionsOf(report))],
  ] as const) {
    if (!file) continue;
    try {
      writeFileAtomic(path.resolve(file), render(merged));
      written.push(file);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new LeakwatchConfigError(
        `leakwatch: cannot write ${file} (${e.code ?? e.message}). Fix: make its directory writable, or pass another path.`,
      );
    }
  }
  const shards = inputs[0]?.report.shard ? `${inputs.length} shards` : plural(inputs.length, 'report');
  const s = merged.summary;
  io.stdout(
    `leakwatch: merged ${shards}: ${plural(s.files, 'test file')}, ${plural(s.tests, 'test')}, ${plural(s.findings, 'finding')} (${s.failing} failing, ${s.warning} warning, ${s.baselined} baselined)${s.complete ? '' : ', incomplete'} -> ${written.join(', ')}\n`,
  );
  return EXIT_OK;
}

function diffCommand(a: string, b: string, options: Record<string, unknown>, io: Io): number {
  const format = choice<DiffFormat>(options.format, '--format', DIFF_FORMATS);
  const diff = diffReports(loadReport(a), loadReport(b));
  io.stdout(renderDiff(diff, format, { a, b }));
  return EXIT_OK;
}

/** Runs the CLI on `argv` (without node and the script) and returns the exit code. */
export function runCli(argv: string[], io: Io): number {
  const cli = cac('leakwatch');
  let code = EXIT_OK;
  cli
    .command(
      'report [report]',
      `Print a JSON report again (default ${DEFAULT_REPORT}); exit 1 when it has failing findings`,
    )
    .option('--kind <kind>', `Only findings of this kind (repeat or comma-separate): ${KINDS.join(', ')}`)
    .option('--file <glob>', 'Only findings of test files matching this glob (repeatable)')
    .option('--format <format>', `Output format: ${REPORT_FORMATS.join(', ')}`, { default: 'text' })
    .option('--root <dir>', 'Project root the report paths are relative to, for code frames', { default: '.' })
    .example('  $ leakwatch report --kind timer,server --file "test/api/**"')
    .example('  $ leakwatch report reports/leakwatch.json --format markdown')
    .action((file: string | undefined, options: Record<string, unknown>) => {
      code = reportCommand(file ?? DEFAULT_REPORT, options, io);
    });
  cli
    .command('baseline [report]', `Write ${DEFAULT_BASELINE} from a JSON report's findings (default ${DEFAULT_REPORT})`)
    .option(
      '--out <file>',
      `Baseline file to write, prune or check (default: the run's \`baseline\` option, else ${DEFAULT_BASELINE})`,
    )
    .option('--prune', 'Only remove the entries whose leak no longer occurs; never add one')
    .option('--check', 'Write nothing; exit 1 when a finding is not in the baseline or an entry is stale')
    .example('  $ leakwatch baseline            # accept the current leaks')
    .example('  $ leakwatch baseline --prune    # drop the fixed ones')
    .example('  $ leakwatch baseline --check    # in CI')
    .action((file: string | undefined, options: Record<string, unknown>) => {
      code = baselineCommand(file ?? DEFAULT_REPORT, options, io);
    });
  cli
    .command('merge <...reports>', "Merge the JSON reports of a sharded run's shards into one report for the whole run")
    .option('--out <file>', `Merged JSON report to write (default ${DEFAULT_REPORT})`)
    .option('--junit <file>', 'Also write the JUnit report of the whole run')
    .example('  $ leakwatch merge reports/*/leakwatch.json --out leakwatch.json --junit leakwatch-junit.xml')
    .action((files: string[], options: Record<string, unknown>) => {
      code = mergeCommand(files, options, io);
    });
  cli
    .command('diff <a> <b>', 'New, fixed and unchanged findings from report a to report b')
    .option('--format <format>', `Output format: ${DIFF_FORMATS.join(', ')}`, { default: 'text' })
    .example('  $ leakwatch diff main/leakwatch.json leakwatch.json')
    .action((a: string, b: string, options: Record<string, unknown>) => {
      code = diffCommand(a, b, options, io);
    });
  cli.option('--color', 'Colors in the text report even when the output is not a terminal (--no-color: never)');
  cli.help((sections) => [
    ...sections,
    {
      title: 'Exit codes',
      body: '  0  ok\n  1  a check failed (baseline --check), or the report has failing findings (report)\n  2  usage or input error',
    },
  ]);
  cli.version(__LEAKWATCH_VERSION__);

  const parsed = cli.parse(['node', 'leakwatch', ...argv], { run: false });
  if (parsed.options.help || parsed.options.version) return EXIT_OK;
  if (argv.length === 0) {
    cli.outputHelp();
    return EXIT_USAGE;
  }
  const command = cli.matchedCommand;
  if (!command) {
    const name = cli.args[0];
    throw new UsageError(
      name === undefined
        ? 'no command given. Fix: use report, baseline, merge or diff.'
        : `unknown command "${name}". Fix: use report, baseline, merge or diff.`,
    );
  }
  const expected = command.args.some((a) => a.variadic) ? Number.POSITIVE_INFINITY : command.args.length;
  if (cli.args.length > expected) {
    throw new UsageError(
      `too many arguments for "${command.name}": ${cli.args.slice(expected).join(' ')}. Fix: usage is \`leakwatch ${command.rawName}\`.`,
    );
  }
  if (cli.args.length < command.args.filter((a) => a.required).length) {
    throw new UsageError(
      `"${command.name}" needs ${command.args.some((a) => a.variadic) ? 'at least one' : command.args.length} report file${command.args.length === 1 ? '' : 's'}. Fix: usage is \`leakwatch ${command.rawName}\`.`,
    );
  }
  cli.runMatchedCommand();
  return code;
}

function main(): void {
  const argv = process.argv.slice(2);
  const force = process.env.FORCE_COLOR;
  const color =
    !argv.includes('--no-color') &&
    (process.stdout.isTTY === true ||
      argv.includes('--color') ||
      (force !== undefined && force !== '' && force !== '0'));
  const io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), color };
  try {
    process.exitCode = runCli(argv, io);
  } catch (error) {
    const e = error as Error;
    if (error instanceof UsageError || e.name === 'CACError') {
      io.stderr(`leakwatch: ${e.message}\nRun \`leakwatch --help\` for usage.\n`);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof LeakwatchConfigError) {
      io.stderr(`${e.message}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      io.stderr(`leakwatch: ${e.stack ?? e.message}\n`);
      process.exitCode = EXIT_USAGE;
    }
  }
}

main();

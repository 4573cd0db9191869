/**
 * The runner's process under `--require @leakwatch/node-test`: no reporter to add, the run's own event stream is read
 * where `run()` makes it (its root test's reporter, internals.ts), and the run ends when that stream does.
 */
import { fileOfEvents, holdSubtests, onNextRunRoot } from './internals.js';
import { RunTap } from './run.js';

const EVENTS = ['test:start', 'test:pass', 'test:fail'] as const;

export function watchRun(): void {
  if (RunTap.active()) return;
  const tap = new RunTap(process.cwd());
  onNextRunRoot((root) => {
    holdSubtests(root, tap.started);
    const fileOf = fileOfEvents(root);
    for (const type of EVENTS) root.reporter.on(type, (data: any) => tap.event({ type, data }, fileOf(data)));
    root.reporter.once('end', () => tap.finish());
  });
}

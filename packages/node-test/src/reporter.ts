/**
 * `--test-reporter=@leakwatch/node-test/reporter`: the run's reports when the preload is given with `--import`, which
 * Node loads in the test processes only. Node loads its reporters before it starts any test process: the run's
 * channel is open once this module is. It writes nothing to its destination (give it `stderr`); its table and reports
 * come at the stream's end. With `--require`, the preload reads the same events and this reporter stays idle.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RunTap } from './run.js';
import type { TestEvent } from './run-files.js';

// Only in the runner's process of `node --test`: imported anywhere else (a script listing the package's entries) it
// must not open a run that would then say it never finished.
const tap = RunTap.active() || !process.execArgv.includes('--test') ? undefined : new RunTap(process.cwd());
await tap?.started;

/** Node makes one with `new` (a class with a constructor); it writes nothing. */
export default class LeakwatchReporter extends Transform {
  constructor() {
    super({ writableObjectMode: true });
  }

  override _transform(event: TestEvent, _encoding: BufferEncoding, done: TransformCallback): void {
    tap?.event(event);
    done();
  }

  override _flush(done: TransformCallback): void {
    tap?.finish();
    done();
  }
}

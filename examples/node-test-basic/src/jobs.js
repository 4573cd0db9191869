'use strict';

/** @typedef {import('./store').Job} Job */
/** @typedef {(payload: any, job: Job) => void | Promise<void>} JobHandler */

/** Polls the store's job queue on an interval and runs each job's handler. */
class JobPoller {
  /**
   * @param {import('./store').NotesStore} store
   * @param {Record<string, JobHandler>} handlers
   * @param {{ intervalMs: number, batchSize?: number, maxAttempts?: number, onError?: (error: unknown, job: Job | undefined) => void }} options
   *   `onError` is called when a handler throws (the job is retried until `maxAttempts`, default 3), and when a
   *   whole batch fails, e.g. the database is gone (then `job` is undefined and the next tick tries again).
   */
  constructor(store, handlers, options) {
    this.store = store;
    this.handlers = handlers;
    this.options = options;
    this.intervalMs = options.intervalMs;
    this.timer = undefined;
    this.inFlight = undefined;
  }

  get running() {
    return this.timer !== undefined;
  }

  start() {
    if (this.timer) return;
    // Nobody awaits a tick the interval starts: its failure must not become an unhandled rejection.
    this.timer = setInterval(() => {
      this.tick().catch((error) => this.options.onError?.(error, undefined));
    }, this.intervalMs);
  }

  /** Applies a new interval (e.g. after a config reload), restarting the timer if it was running. */
  setIntervalMs(intervalMs) {
    this.intervalMs = intervalMs;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.start();
    }
  }

  /**
   * Runs one batch; overlapping calls share the batch already in flight.
   * @returns {Promise<number>} the number of jobs run
   */
  tick() {
    this.inFlight ??= this.runBatch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops polling and waits for the batch in flight, if any. */
  async stop() {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  async runBatch() {
    const jobs = this.store.claimJobs(this.options.batchSize ?? 10);
    for (const job of jobs) {
      try {
        const handler = this.handlers[job.type];
        if (!handler) throw new Error(`no handler for job type "${job.type}"`);
        await handler(job.payload, job);
        this.store.completeJob(job.id);
      } catch (error) {
        this.store.failJob(job.id, error instanceof Error ? error.message : String(error), this.options.maxAttempts ?? 3);
        this.options.onError?.(error, job);
      }
    }
    return jobs.length;
  }
}

/**
 * The indexer job: counts a note's words once it is saved.
 * @returns {JobHandler}
 */
function indexNoteHandler(store) {
  return ({ noteId }) => {
    const note = store.getNote(noteId);
    if (!note) return; // deleted before it was indexed
    const words = `${note.title} ${note.body}`.trim().split(/\s+/).filter(Boolean).length;
    store.setWordCount(noteId, words);
  };
}

module.exports = { JobPoller, indexNoteHandler };

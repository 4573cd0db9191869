import type { Job, NotesStore } from './store';

export type JobHandler = (payload: any, job: Job) => void | Promise<void>;

export interface PollerOptions {
  intervalMs: number;
  batchSize?: number;
  maxAttempts?: number;
  /** Called when a handler throws; the job is retried until maxAttempts. */
  onError?: (error: unknown, job: Job) => void;
}

/** Polls the store's job queue on an interval and runs each job's handler. */
export class JobPoller {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<number> | undefined;
  private intervalMs: number;

  constructor(
    private readonly store: NotesStore,
    private readonly handlers: Record<string, JobHandler>,
    private readonly options: PollerOptions,
  ) {
    this.intervalMs = options.intervalMs;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  /** Applies a new interval (e.g. after a config reload), restarting the timer if it was running. */
  setIntervalMs(intervalMs: number): void {
    this.intervalMs = intervalMs;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.start();
    }
  }

  /** Runs one batch; overlapping calls share the batch already in flight. Resolves to the number of jobs run. */
  tick(): Promise<number> {
    this.inFlight ??= this.runBatch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops polling and waits for the batch in flight, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async runBatch(): Promise<number> {
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

/** The indexer job: counts a note's words once it is saved. */
export function indexNoteHandler(store: NotesStore): JobHandler {
  return ({ noteId }: { noteId: number }) => {
    const note = store.getNote(noteId);
    if (!note) return; // deleted before it was indexed
    const words = `${note.title} ${note.body}`.trim().split(/\s+/).filter(Boolean).length;
    store.setWordCount(noteId, words);
  };
}

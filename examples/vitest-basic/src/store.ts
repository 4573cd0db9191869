import Database from 'better-sqlite3';

export interface Note {
  id: number;
  title: string;
  body: string;
  /** Filled in by the background indexer (see jobs.ts); null until it has run. */
  wordCount: number | null;
  createdAt: string;
}

export interface Job {
  id: number;
  type: string;
  payload: unknown;
  attempts: number;
}

interface NoteRow {
  id: number;
  title: string;
  body: string;
  word_count: number | null;
  created_at: string;
}

interface JobRow {
  id: number;
  type: string;
  payload: string;
  attempts: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL DEFAULT '',
    word_count INTEGER,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
  CREATE TABLE IF NOT EXISTS jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, id);
`;

function toNote(row: NoteRow): Note {
  return { id: row.id, title: row.title, body: row.body, wordCount: row.word_count, createdAt: row.created_at };
}

/** Notes and the job queue, in one SQLite database (a file, or ':memory:'). */
export class NotesStore {
  private readonly db: Database.Database;

  constructor(filename = ':memory:') {
    this.db = new Database(filename);
    if (filename !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  createNote(input: { title: string; body?: string }): Note {
    const create = this.db.transaction((title: string, body: string) => {
      const row = this.db
        .prepare<[string, string], NoteRow>('INSERT INTO notes (title, body) VALUES (?, ?) RETURNING *')
        .get(title, body)!;
      this.enqueue('note.index', { noteId: row.id });
      return toNote(row);
    });
    return create(input.title, input.body ?? '');
  }

  getNote(id: number): Note | undefined {
    const row = this.db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE id = ?').get(id);
    return row && toNote(row);
  }

  listNotes(): Note[] {
    return this.db.prepare<[], NoteRow>('SELECT * FROM notes ORDER BY id').all().map(toNote);
  }

  deleteNote(id: number): boolean {
    return this.db.prepare('DELETE FROM notes WHERE id = ?').run(id).changes > 0;
  }

  setWordCount(id: number, wordCount: number): void {
    this.db.prepare('UPDATE notes SET word_count = ? WHERE id = ?').run(wordCount, id);
  }

  enqueue(type: string, payload: unknown): number {
    const info = this.db.prepare('INSERT INTO jobs (type, payload) VALUES (?, ?)').run(type, JSON.stringify(payload));
    return Number(info.lastInsertRowid);
  }

  /** Marks up to `limit` pending jobs as running and returns them, oldest first. */
  claimJobs(limit: number): Job[] {
    const claim = this.db.transaction((n: number) =>
      this.db
        .prepare<[number], JobRow>(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1
           WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' ORDER BY id LIMIT ?)
           RETURNING id, type, payload, attempts`,
        )
        .all(n),
    );
    return claim(limit)
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: row.id, type: row.type, payload: JSON.parse(row.payload), attempts: row.attempts }));
  }

  completeJob(id: number): void {
    this.db.prepare(`UPDATE jobs SET status = 'done', last_error = NULL WHERE id = ?`).run(id);
  }

  /** Puts the job back in the queue, or gives up on it after `maxAttempts`. */
  failJob(id: number, error: string, maxAttempts: number): void {
    this.db
      .prepare(`UPDATE jobs SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END, last_error = ? WHERE id = ?`)
      .run(maxAttempts, error, id);
  }

  jobCounts(): Record<string, number> {
    const rows = this.db.prepare<[], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

'use strict';

const Database = require('better-sqlite3');

/**
 * @typedef {object} Note
 * @property {number} id
 * @property {string} title
 * @property {string} body
 * @property {number | null} wordCount Filled in by the background indexer (see jobs.js); null until it has run.
 * @property {string} createdAt
 */

/**
 * @typedef {object} Job
 * @property {number} id
 * @property {string} type
 * @property {unknown} payload
 * @property {number} attempts
 */

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

/** @returns {Note} */
function toNote(row) {
  return { id: row.id, title: row.title, body: row.body, wordCount: row.word_count, createdAt: row.created_at };
}

/** Notes and the job queue, in one SQLite database (a file, or ':memory:'). */
class NotesStore {
  constructor(filename = ':memory:') {
    this.db = new Database(filename);
    if (filename !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
  }

  get isOpen() {
    return this.db.open;
  }

  /** @returns {Note} */
  createNote({ title, body = '' }) {
    const create = this.db.transaction(() => {
      const row = this.db.prepare('INSERT INTO notes (title, body) VALUES (?, ?) RETURNING *').get(title, body);
      this.enqueue('note.index', { noteId: row.id });
      return toNote(row);
    });
    return create();
  }

  /** @returns {Note | undefined} */
  getNote(id) {
    const row = this.db.prepare('SELECT * FROM notes WHERE id = ?').get(id);
    return row && toNote(row);
  }

  /** @returns {Note[]} */
  listNotes() {
    return this.db.prepare('SELECT * FROM notes ORDER BY id').all().map(toNote);
  }

  deleteNote(id) {
    return this.db.prepare('DELETE FROM notes WHERE id = ?').run(id).changes > 0;
  }

  setWordCount(id, wordCount) {
    this.db.prepare('UPDATE notes SET word_count = ? WHERE id = ?').run(wordCount, id);
  }

  /** @returns {number} the job's id */
  enqueue(type, payload) {
    const info = this.db.prepare('INSERT INTO jobs (type, payload) VALUES (?, ?)').run(type, JSON.stringify(payload));
    return Number(info.lastInsertRowid);
  }

  /**
   * Marks up to `limit` pending jobs as running and returns them, oldest first.
   * @returns {Job[]}
   */
  claimJobs(limit) {
    const claim = this.db.transaction(() =>
      this.db
        .prepare(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1
           WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' ORDER BY id LIMIT ?)
           RETURNING id, type, payload, attempts`,
        )
        .all(limit),
    );
    return claim()
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: row.id, type: row.type, payload: JSON.parse(row.payload), attempts: row.attempts }));
  }

  completeJob(id) {
    this.db.prepare(`UPDATE jobs SET status = 'done', last_error = NULL WHERE id = ?`).run(id);
  }

  /** Puts the job back in the queue, or gives up on it after `maxAttempts`. */
  failJob(id, error, maxAttempts) {
    this.db
      .prepare(`UPDATE jobs SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END, last_error = ? WHERE id = ?`)
      .run(maxAttempts, error, id);
  }

  /** @returns {Record<string, number>} job counts by status */
  jobCounts() {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  close() {
    if (this.db.open) this.db.close();
  }
}

module.exports = { NotesStore };

'use strict';

const { expect } = require('expect');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { NotesStore } = require('../src/store');

describe('NotesStore (in memory)', () => {
  let store;
  beforeEach(() => {
    store = new NotesStore();
  });
  afterEach(() => {
    store.close();
  });

  it('creates, reads, lists and deletes notes', () => {
    const a = store.createNote({ title: 'Groceries', body: 'milk, eggs' });
    const b = store.createNote({ title: 'Ideas' });
    expect(store.getNote(a.id)).toMatchObject({ title: 'Groceries', body: 'milk, eggs', wordCount: null });
    expect(store.listNotes().map((n) => n.title)).toEqual(['Groceries', 'Ideas']);
    expect(store.deleteNote(b.id)).toBe(true);
    expect(store.deleteNote(b.id)).toBe(false);
    expect(store.getNote(b.id)).toBeUndefined();
  });

  it('creating a note queues an index job', () => {
    const note = store.createNote({ title: 'Hello' });
    expect(store.claimJobs(10)).toEqual([{ id: 1, type: 'note.index', payload: { noteId: note.id }, attempts: 1 }]);
    expect(store.claimJobs(10)).toEqual([]);
  });

  it('failed jobs are retried until maxAttempts', () => {
    const id = store.enqueue('flaky', {});
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(store.claimJobs(1).map((j) => j.id)).toEqual([id]);
      store.failJob(id, 'boom', 2);
    }
    expect(store.claimJobs(1)).toEqual([]);
    expect(store.jobCounts()).toEqual({ failed: 1 });
  });
});

describe('NotesStore (on disk)', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-store-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('notes survive a reopen', () => {
    const file = path.join(dir, 'reopen.db');
    const first = new NotesStore(file);
    first.createNote({ title: 'Persisted' });
    first.close();

    const second = new NotesStore(file);
    try {
      expect(second.listNotes().map((n) => n.title)).toEqual(['Persisted']);
    } finally {
      second.close();
    }
  });

  it('uses WAL journaling for files', () => {
    const file = path.join(dir, 'wal.db');
    const store = new NotesStore(file);
    store.createNote({ title: 'x' });
    store.close();

    // deliberate leak: a raw connection opened to inspect the file, and the test forgets db.close().
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});

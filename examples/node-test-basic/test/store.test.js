'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, afterEach, before, beforeEach, describe, it } = require('node:test');
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
    const read = store.getNote(a.id);
    assert.deepEqual([read.title, read.body, read.wordCount], ['Groceries', 'milk, eggs', null]);
    assert.deepEqual(
      store.listNotes().map((n) => n.title),
      ['Groceries', 'Ideas'],
    );
    assert.equal(store.deleteNote(b.id), true);
    assert.equal(store.deleteNote(b.id), false);
    assert.equal(store.getNote(b.id), undefined);
  });

  it('failed jobs are retried until maxAttempts', () => {
    const id = store.enqueue('flaky', {});
    for (let attempt = 1; attempt <= 2; attempt++) {
      assert.deepEqual(
        store.claimJobs(1).map((j) => j.id),
        [id],
      );
      store.failJob(id, 'boom', 2);
    }
    assert.deepEqual(store.claimJobs(1), []);
    assert.deepEqual({ ...store.jobCounts() }, { failed: 1 });
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

  it('notes survive a reopen', (t) => {
    const file = path.join(dir, 'reopen.db');
    const first = new NotesStore(file);
    first.createNote({ title: 'Persisted' });
    first.close();

    const second = new NotesStore(file);
    t.after(() => second.close());
    assert.deepEqual(
      second.listNotes().map((n) => n.title),
      ['Persisted'],
    );
  });

  it('uses WAL journaling for files', () => {
    const file = path.join(dir, 'wal.db');
    const store = new NotesStore(file);
    store.createNote({ title: 'x' });
    store.close();

    // deliberate leak: a raw connection opened to inspect the file, and the test forgets db.close().
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  });
});

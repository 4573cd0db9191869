'use strict';

const assert = require('node:assert/strict');
const { afterEach, beforeEach, describe, it, mock } = require('node:test');
const { JobPoller, indexNoteHandler } = require('../src/jobs');
const { NotesStore } = require('../src/store');
const { waitFor } = require('../support/wait-for');

describe('JobPoller', () => {
  let store;
  let poller;

  beforeEach(() => {
    store = new NotesStore();
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    store.close();
  });

  it('tick() runs pending jobs through their handler', async () => {
    const seen = [];
    poller = new JobPoller(store, { greet: (payload) => void seen.push(payload) }, { intervalMs: 1000 });
    store.enqueue('greet', { name: 'Ada' });
    store.enqueue('greet', { name: 'Grace' });
    assert.equal(await poller.tick(), 2);
    assert.deepEqual(seen, [{ name: 'Ada' }, { name: 'Grace' }]);
  });

  it('the indexer fills in word counts', async () => {
    poller = new JobPoller(store, { 'note.index': indexNoteHandler(store) }, { intervalMs: 1000 });
    const note = store.createNote({ title: 'Shopping list', body: 'milk eggs  bread' });
    await poller.tick();
    assert.equal(store.getNote(note.id)?.wordCount, 5);
  });

  it('start() polls on the interval until stop()', async () => {
    const handled = mock.fn();
    poller = new JobPoller(store, { ping: handled }, { intervalMs: 10 });
    poller.start();
    store.enqueue('ping', 1);
    await waitFor(() => assert.equal(handled.mock.callCount(), 1));
    await poller.stop();
    assert.equal(poller.running, false);
  });

  it('start() is idempotent', () => {
    // deliberate leak: this test builds its own poller and never calls stop(), so its setInterval keeps running
    // (the afterEach only stops the shared `poller` variable, which this test does not assign).
    const local = new JobPoller(store, {}, { intervalMs: 5000 });
    local.start();
    local.start();
    assert.equal(local.running, true);
  });

  it('a crashing handler does not take the poller down', async () => {
    const unhandled = mock.fn();
    // deliberate leak: a process listener added to catch stray rejections and never removed with process.off().
    process.on('unhandledRejection', unhandled);
    const crash = () => {
      throw new TypeError('bad payload');
    };
    poller = new JobPoller(store, { crash }, { intervalMs: 1000 });
    store.enqueue('crash', null);
    assert.equal(await poller.tick(), 1);
    assert.equal(unhandled.mock.callCount(), 0);
  });
});

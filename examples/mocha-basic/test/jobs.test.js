'use strict';

const { expect } = require('expect');
const { fn } = require('jest-mock');
const { JobPoller, indexNoteHandler } = require('../src/jobs');
const { NotesStore } = require('../src/store');
const { waitFor } = require('./helpers');

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
    expect(await poller.tick()).toBe(2);
    expect(seen).toEqual([{ name: 'Ada' }, { name: 'Grace' }]);
    expect(store.jobCounts()).toEqual({ done: 2 });
  });

  it('the indexer fills in word counts', async () => {
    poller = new JobPoller(store, { 'note.index': indexNoteHandler(store) }, { intervalMs: 1000 });
    const note = store.createNote({ title: 'Shopping list', body: 'milk eggs  bread' });
    await poller.tick();
    expect(store.getNote(note.id)?.wordCount).toBe(5);
  });

  it('start() polls on the interval until stop()', async () => {
    const handled = fn();
    poller = new JobPoller(store, { ping: handled }, { intervalMs: 10 });
    poller.start();
    store.enqueue('ping', 1);
    await waitFor(() => expect(handled).toHaveBeenCalledTimes(1));
    await poller.stop();
    expect(poller.running).toBe(false);
  });

  it('a failing handler is retried, then given up on', async () => {
    const onError = fn();
    poller = new JobPoller(store, { flaky: () => Promise.reject(new Error('boom')) }, { intervalMs: 1000, maxAttempts: 2, onError });
    store.enqueue('flaky', {});
    await poller.tick();
    await poller.tick();
    expect(onError).toHaveBeenCalledTimes(2);
    expect(store.jobCounts()).toEqual({ failed: 1 });
  });

  it('a batch that cannot run is reported to onError, not thrown', async () => {
    const onError = fn();
    poller = new JobPoller(store, {}, { intervalMs: 10, onError });
    store.close();
    poller.start();
    await waitFor(() => expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/not open/) }), undefined));
  });

  it('start() is idempotent', () => {
    // deliberate leak: this test builds its own poller and never calls stop(), so its setInterval keeps running
    // (the afterEach only stops the shared `poller` variable, which this test does not assign).
    const local = new JobPoller(store, {}, { intervalMs: 5000 });
    local.start();
    local.start();
    expect(local.running).toBe(true);
  });

  it('a crashing handler does not take the poller down', async () => {
    const unhandled = fn();
    // deliberate leak: a process listener added to catch stray rejections and never removed with process.off().
    process.on('unhandledRejection', unhandled);
    poller = new JobPoller(
      store,
      {
        crash: () => {
          throw new TypeError('bad payload');
        },
      },
      { intervalMs: 1000 },
    );
    store.enqueue('crash', null);
    await expect(poller.tick()).resolves.toBe(1);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

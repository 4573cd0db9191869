'use strict';

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

  test('tick() runs pending jobs through their handler', async () => {
    const seen = [];
    poller = new JobPoller(store, { greet: (payload) => void seen.push(payload) }, { intervalMs: 1000 });
    store.enqueue('greet', { name: 'Ada' });
    store.enqueue('greet', { name: 'Grace' });
    expect(await poller.tick()).toBe(2);
    expect(seen).toEqual([{ name: 'Ada' }, { name: 'Grace' }]);
    expect(store.jobCounts()).toEqual({ done: 2 });
  });

  test('the indexer fills in word counts', async () => {
    poller = new JobPoller(store, { 'note.index': indexNoteHandler(store) }, { intervalMs: 1000 });
    const note = store.createNote({ title: 'Shopping list', body: 'milk eggs  bread' });
    await poller.tick();
    expect(store.getNote(note.id)?.wordCount).toBe(5);
  });

  test('start() polls on the interval until stop()', async () => {
    const handled = jest.fn();
    poller = new JobPoller(store, { ping: handled }, { intervalMs: 10 });
    poller.start();
    store.enqueue('ping', 1);
    await waitFor(() => expect(handled).toHaveBeenCalledTimes(1));
    await poller.stop();
    expect(poller.running).toBe(false);
  });

  test('a failing handler is retried, then given up on', async () => {
    const onError = jest.fn();
    poller = new JobPoller(store, { flaky: () => Promise.reject(new Error('boom')) }, { intervalMs: 1000, maxAttempts: 2, onError });
    store.enqueue('flaky', {});
    await poller.tick();
    await poller.tick();
    expect(onError).toHaveBeenCalledTimes(2);
    expect(store.jobCounts()).toEqual({ failed: 1 });
  });

  test('a batch that cannot run is reported to onError, not thrown', async () => {
    const onError = jest.fn();
    poller = new JobPoller(store, {}, { intervalMs: 10, onError });
    store.close();
    poller.start();
    await waitFor(() => expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/not open/) }), undefined));
  });

  test('start() is idempotent', () => {
    // deliberate leak: this test builds its own poller and never calls stop(), so its setInterval keeps running
    // (the afterEach only stops the shared `poller` variable, which this test does not assign).
    const local = new JobPoller(store, {}, { intervalMs: 5000 });
    local.start();
    local.start();
    expect(local.running).toBe(true);
  });

  test('a crashing handler does not take the poller down', async () => {
    const unhandled = jest.fn();
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

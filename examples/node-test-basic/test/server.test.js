'use strict';

const assert = require('node:assert/strict');
const { after, before, beforeEach, describe, it } = require('node:test');
const { TtlCache } = require('../src/cache');
const { DEFAULT_CONFIG } = require('../src/config');
const { createApiServer, listen } = require('../src/server');
const { NotesStore } = require('../src/store');

describe('notes API', () => {
  let store;
  let cache;
  let server;

  before(async () => {
    store = new NotesStore();
    cache = new TtlCache({ ttlMs: 60_000 });
    server = await listen(createApiServer({ store, cache, config: () => ({ ...DEFAULT_CONFIG, maxNoteLength: 20 }) }));
  });
  after(async () => {
    await server.close();
    store.close();
  });
  beforeEach(() => {
    cache.clear();
  });

  async function api(method, path, body) {
    const res = await fetch(server.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('GET /health', async () => {
    assert.deepEqual(await api('GET', '/health'), { status: 200, body: { status: 'ok' } });
  });

  it('POST /notes creates a note, GET /notes lists it', async () => {
    const created = await api('POST', '/notes', { title: '  Standup  ', body: 'notes' });
    assert.equal(created.status, 201);
    assert.equal(created.body.title, 'Standup');
    const list = await api('GET', '/notes');
    assert.ok(list.body.some((n) => n.title === 'Standup'));
  });

  it('GET /notes/:id is served from the cache', async () => {
    const { body: note } = await api('POST', '/notes', { title: 'Cached' });
    assert.equal((await api('GET', `/notes/${note.id}`)).body.title, 'Cached');
    assert.equal((await api('GET', `/notes/${note.id}`)).body.title, 'Cached');
    assert.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 1 });
  });

  it('GET /notes answers with JSON', async () => {
    const res = await fetch(`${server.url}/notes`);
    // deliberate leak: the response is stashed on globalThis to look at in a debugger, and never deleted.
    globalThis.lastResponse = res;
    assert.equal(res.headers.get('content-type'), 'application/json');
    await res.text();
  });
});

describe('listen()', () => {
  it('picks a free port when given 0', async () => {
    const store = new NotesStore();
    // deliberate leak: the test checks the URL but never calls running.close(), so the server keeps listening.
    const running = await listen(
      createApiServer({ store, cache: new TtlCache({ ttlMs: 1000 }), config: () => DEFAULT_CONFIG }),
    );
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    store.close();
  });
});

'use strict';

const { expect } = require('expect');
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
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it('GET /health', async () => {
    expect(await api('GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('POST /notes creates a note, GET /notes lists it', async () => {
    const created = await api('POST', '/notes', { title: '  Standup  ', body: 'notes' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), title: 'Standup', body: 'notes' });
    const list = await api('GET', '/notes');
    expect(list.body.map((n) => n.title)).toContain('Standup');
  });

  it('POST /notes validates its input', async () => {
    expect(await api('POST', '/notes', { body: 'no title' })).toEqual({ status: 400, body: { error: '"title" is required' } });
    expect((await api('POST', '/notes', { title: 't', body: 'x'.repeat(21) })).status).toBe(400);
    expect(await api('POST', '/notes', '{not json')).toEqual({ status: 400, body: { error: 'request body is not valid JSON' } });
  });

  it('GET /notes/:id is served from the cache', async () => {
    const { body: note } = await api('POST', '/notes', { title: 'Cached' });
    expect((await api('GET', `/notes/${note.id}`)).body).toMatchObject({ title: 'Cached' });
    expect((await api('GET', `/notes/${note.id}`)).body).toMatchObject({ title: 'Cached' });
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('DELETE /notes/:id removes the note and its cache entry', async () => {
    const { body: note } = await api('POST', '/notes', { title: 'Temporary' });
    await api('GET', `/notes/${note.id}`);
    expect((await api('DELETE', `/notes/${note.id}`)).status).toBe(204);
    expect((await api('GET', `/notes/${note.id}`)).status).toBe(404);
    expect((await api('DELETE', `/notes/${note.id}`)).status).toBe(404);
  });

  it('GET /notes answers with JSON', async () => {
    const res = await fetch(`${server.url}/notes`);
    // deliberate leak: the response is stashed on globalThis to look at in a debugger, and never deleted.
    globalThis.lastResponse = res;
    expect(res.headers.get('content-type')).toBe('application/json');
    await res.text();
  });

  it('unknown routes are 404', async () => {
    expect((await api('PATCH', '/notes')).status).toBe(404);
  });
});

describe('listen()', () => {
  it('picks a free port when given 0', async () => {
    const store = new NotesStore();
    // deliberate leak: the test checks the URL but never calls running.close(), so the server keeps listening.
    const running = await listen(createApiServer({ store, cache: new TtlCache({ ttlMs: 1000 }), config: () => DEFAULT_CONFIG }));
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    store.close();
  });

  it('rejects when the port is taken', async () => {
    const store = new NotesStore();
    const first = await listen(createApiServer({ store, cache: new TtlCache({ ttlMs: 1000 }), config: () => DEFAULT_CONFIG }));
    try {
      const port = Number(new URL(first.url).port);
      await expect(listen(createApiServer({ store, cache: new TtlCache({ ttlMs: 1000 }), config: () => DEFAULT_CONFIG }), port)).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
      store.close();
    }
  });
});

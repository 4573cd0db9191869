'use strict';

const { expect } = require('expect');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startApp } = require('../src/app');
const { waitFor } = require('./helpers');

// End to end: the whole service on a real database file, config file and port.
let dir;
let configFile;
let app;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-app-'));
  configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ pollIntervalMs: 20 }));
  app = await startApp({ dbFile: path.join(dir, 'notes.db'), configFile });
});

after(async () => {
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a new note is indexed in the background', async () => {
  const res = await fetch(`${app.url}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Release checklist', body: 'tag, build, publish' }),
  });
  expect(res.status).toBe(201);
  const note = await res.json();

  await waitFor(async () => {
    const current = await (await fetch(`${app.url}/notes`)).json();
    expect(current.find((n) => n.id === note.id)?.wordCount).toBe(5);
  });
});

it('config changes are picked up without a restart', async () => {
  fs.writeFileSync(configFile, JSON.stringify({ pollIntervalMs: 20, maxNoteLength: 5 }));
  await waitFor(() => expect(app.config().maxNoteLength).toBe(5));

  const res = await fetch(`${app.url}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Too long', body: 'more than five characters' }),
  });
  expect(res.status).toBe(400);
  await res.body?.cancel();
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startApp, type App } from '../src/app';

// End to end: the whole service on a real database file, config file and port.
let dir: string;
let configFile: string;
let app: App;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-app-'));
  configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ pollIntervalMs: 20 }));
  app = await startApp({ dbFile: path.join(dir, 'notes.db'), configFile });
});

afterAll(async () => {
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a new note is indexed in the background', async () => {
  const res = await fetch(`${app.url}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Release checklist', body: 'tag, build, publish' }),
  });
  expect(res.status).toBe(201);
  const note = (await res.json()) as { id: number };

  await vi.waitFor(async () => {
    const current = (await (await fetch(`${app.url}/notes`)).json()) as Array<{ id: number; wordCount: number | null }>;
    expect(current.find((n) => n.id === note.id)?.wordCount).toBe(5);
  });
});

test('config changes are picked up without a restart', async () => {
  fs.writeFileSync(configFile, JSON.stringify({ pollIntervalMs: 20, maxNoteLength: 5 }));
  await vi.waitFor(() => expect(app.config().maxNoteLength).toBe(5));

  const res = await fetch(`${app.url}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Too long', body: 'more than five characters' }),
  });
  expect(res.status).toBe(400);
  await res.body?.cancel();
});

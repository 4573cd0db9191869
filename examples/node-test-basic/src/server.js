'use strict';

const http = require('node:http');

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
}

async function readJson(req, limit) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function parseNoteInput(body, maxLength) {
  const { title, body: text = '' } = body ?? {};
  if (typeof title !== 'string' || title.trim() === '') throw new HttpError(400, '"title" is required');
  if (typeof text !== 'string') throw new HttpError(400, '"body" must be a string');
  if (text.length > maxLength) throw new HttpError(400, `"body" is longer than ${maxLength} characters`);
  return { title: title.trim(), body: text };
}

async function route(req, res, deps) {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  const byId = /^\/notes\/(\d+)$/.exec(pathname);

  if (req.method === 'GET' && pathname === '/health') {
    return send(res, 200, { status: 'ok' });
  }
  if (pathname === '/notes' && req.method === 'GET') {
    return send(res, 200, deps.store.listNotes());
  }
  if (pathname === '/notes' && req.method === 'POST') {
    const maxLength = deps.config().maxNoteLength;
    const input = parseNoteInput(await readJson(req, maxLength + 4096), maxLength);
    return send(res, 201, deps.store.createNote(input));
  }
  if (byId && req.method === 'GET') {
    const id = Number(byId[1]);
    const note = deps.cache.getOrSet(id, () => deps.store.getNote(id));
    return note ? send(res, 200, note) : send(res, 404, { error: 'note not found' });
  }
  if (byId && req.method === 'DELETE') {
    const id = Number(byId[1]);
    deps.cache.delete(id);
    return deps.store.deleteNote(id) ? send(res, 204) : send(res, 404, { error: 'note not found' });
  }
  throw new HttpError(404, `no route for ${req.method} ${pathname}`);
}

/**
 * The notes HTTP API.
 * @param {{ store: import('./store').NotesStore, cache: import('./cache').TtlCache, config: () => import('./config').AppConfig }} deps
 * @returns {http.Server}
 */
function createApiServer(deps) {
  return http.createServer((req, res) => {
    route(req, res, deps).catch((error) => {
      if (error instanceof HttpError) send(res, error.status, { error: error.message });
      else send(res, 500, { error: 'internal error' });
    });
  });
}

/**
 * Listens on `port` (0: any free port) and resolves once the server accepts connections.
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
function listen(server, port = 0, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: actual } = server.address();
      resolve({
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections of idle clients would otherwise hold close() open.
            server.closeIdleConnections();
          }),
      });
    });
  });
}

module.exports = { createApiServer, listen };

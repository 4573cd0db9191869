'use strict';

const { TtlCache } = require('./cache');
const { watchConfig } = require('./config');
const { JobPoller, indexNoteHandler } = require('./jobs');
const { createApiServer, listen } = require('./server');
const { NotesStore } = require('./store');

/**
 * Wires the store, cache, config watcher, job poller and HTTP API together and starts them.
 *
 * @param {{ dbFile: string, configFile: string, port?: number, onError?: (error: unknown) => void }} options
 *   `dbFile`: the SQLite file (':memory:' for a throwaway database); `configFile`: the JSON config, reloaded
 *   when it changes.
 */
async function startApp(options) {
  const store = new NotesStore(options.dbFile);
  let watcher;
  let poller;
  try {
    const cache = new TtlCache({ ttlMs: 30_000 });
    watcher = watchConfig(
      options.configFile,
      (config) => {
        cache.ttlMs = config.cacheTtlMs;
        poller?.setIntervalMs(config.pollIntervalMs);
      },
      { onError: options.onError },
    );
    const config = watcher.current;
    cache.ttlMs = config.cacheTtlMs;
    poller = new JobPoller(store, { 'note.index': indexNoteHandler(store) }, { intervalMs: config.pollIntervalMs, onError: options.onError });
    const server = await listen(createApiServer({ store, cache, config: () => watcher.current }), options.port ?? 0);
    poller.start();
    const running = { watcher, poller };
    return {
      url: server.url,
      store,
      poller,
      config: () => running.watcher.current,
      async stop() {
        await server.close();
        await running.poller.stop();
        running.watcher.close();
        store.close();
      },
    };
  } catch (error) {
    watcher?.close();
    store.close();
    throw error;
  }
}

module.exports = { startApp };

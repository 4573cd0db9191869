import { TtlCache } from './cache';
import { watchConfig, type AppConfig, type ConfigWatcher } from './config';
import { JobPoller, indexNoteHandler } from './jobs';
import { createApiServer, listen } from './server';
import { NotesStore, type Note } from './store';

export interface AppOptions {
  /** SQLite file; ':memory:' for a throwaway database. */
  dbFile: string;
  /** JSON config file, reloaded when it changes. */
  configFile: string;
  port?: number;
  onError?: (error: unknown) => void;
}

export interface App {
  url: string;
  store: NotesStore;
  poller: JobPoller;
  config(): AppConfig;
  stop(): Promise<void>;
}

/** Wires the store, cache, config watcher, job poller and HTTP API together and starts them. */
export async function startApp(options: AppOptions): Promise<App> {
  const store = new NotesStore(options.dbFile);
  let watcher: ConfigWatcher | undefined;
  let poller: JobPoller | undefined;
  try {
    const cache = new TtlCache<number, Note>({ ttlMs: 30_000 });
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
    const server = await listen(createApiServer({ store, cache, config: () => watcher!.current }), options.port ?? 0);
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

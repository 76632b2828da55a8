// The service as the CLI starts it, with one difference: the WAL is off (the
// store makes no WAL records and nothing is appended). It is the baseline of
// the "WAL cost" figures of bench/http.bench.mjs, nothing else: a store run
// this way loses every sample since the last checkpoint in a crash.
//
//   node bench/wal-off-server.mjs -config config.json     (bun and deno alike)

const onNode = typeof globalThis.Bun === 'undefined' && typeof globalThis.Deno === 'undefined';
/** Node runs the tsc output in dist/, Bun and Deno run src/ directly. */
const load = (path) => import(new URL(onNode ? `../dist/${path}.js` : `../src/${path}.ts`, import.meta.url).href);

const { loadConfig } = await load('config/load');
const { createLogger } = await load('log');
const { commandLineArgs, readTextFile, writeStderr } = await load('runtime/index');
const { startService } = await load('service/start');
const { openStore, storeOptions } = await load('service/open-store');
const { openPersistence, persistSettings } = await load('persist/index');
const { stopOnSignal } = await load('cli/main');

const args = commandLineArgs();
const configPath = args[args.indexOf('-config') + 1];
if (!args.includes('-config') || !configPath) throw new Error('usage: wal-off-server.mjs -config <config.json>');

const log = createLogger({ level: 'info', write: (line) => writeStderr(line + '\n') });
const config = await loadConfig({ path: configPath, readTextFile });

/** persistenceExtension (src/service/persistence-extension.ts) with `wal: false`. */
const persistenceWithoutWal = ({ store }) => {
  const persistence = openPersistence({ store, settings: persistSettings(config.metricStore), log, wal: false });
  return {
    ingest: (body, cluster) => persistence.ingest(body, cluster),
    service: {
      name: 'persistence, WAL off (measurements only)',
      async start() {
        await persistence.restore();
        persistence.start();
      },
      stop: () => persistence.stop(),
    },
  };
};

const service = await startService({
  config,
  log,
  store: await openStore({ ...storeOptions(config), wal: false }),
  extensions: [persistenceWithoutWal],
});
stopOnSignal(service, log);

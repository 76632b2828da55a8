// Persistence as an extension of the service: it restores the checkpoint
// directory before the HTTP server listens, provides the write path of
// /api/write and NATS (store + WAL append before the answer), runs the
// checkpoint, retention, memory-cap and cleanup timers, and writes the final
// checkpoint after HTTP and NATS have drained.

import { openPersistence, persistSettings } from '../persist/index.ts';
import { environmentVariable, readTextFile } from '../runtime/index.ts';
import { BACKEND_TOKEN_ENV, resolveBackendToken } from './backend-token.ts';
import type { ExtensionFactory } from './extensions.ts';
import { WalWriteError } from './ingest.ts';

export const persistenceExtension: ExtensionFactory = async ({ config, store, log }) => {
  const backendUrl = config.main.backendUrl || undefined;
  const token = backendUrl ? await resolveBackendToken(config.main, environmentVariable, readTextFile) : null;
  if (backendUrl) {
    if (token) log.info(`retention asks ${backendUrl} for the nodes running jobs, with the token of ${token.source}`);
    else log.warn(`main.backend-url is set but no token (main.backend-token, main.backend-token-file or ${BACKEND_TOKEN_ENV}): cc-backend will refuse the question for the nodes running jobs`);
  }
  const persistence = openPersistence({
    store,
    settings: persistSettings(config.metricStore),
    backendUrl,
    backendToken: token?.token,
    fsync: config.metricStore.checkpoints.fsync,
    log,
  });
  // One batch for every body of `ingest`, opened once (not a batch and its
  // closures a request): each body's ingest and commitNow run in one call, so
  // no two bodies are ever in it at once, and commitNow leaves it empty.
  const oneBody = persistence.openBatch();
  return {
    writePath: {
      // persistence.ingest, keeping the counts of a body whose WAL append fails;
      // the result as it is when its records are in the files on return.
      ingest: (body, cluster) => {
        const batch = oneBody;
        const result = batch.ingest(body, cluster);
        const pending = batch.commitNow();
        if (pending === null) return result;
        return pending.then(
          () => result,
          (err: unknown) => {
            throw new WalWriteError(result, err);
          },
        );
      },
      openBatch: () => persistence.openBatch(),
    },
    service: {
      name: 'persistence (restore, checkpoints, retention, cleanup)',
      async start() {
        await persistence.restore();
        persistence.start();
      },
      stop: () => persistence.stop(),
    },
    status: () => ({ persistence: persistence.status() }),
  };
};

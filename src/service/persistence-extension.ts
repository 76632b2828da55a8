// Persistence as an extension of the service: it restores the checkpoint
// directory before the HTTP server listens, provides the write path of
// /api/write and NATS (store + WAL append before the answer), runs the
// checkpoint, retention, memory-cap and cleanup timers, and writes the final
// checkpoint after HTTP and NATS have drained.

import { openPersistence, persistSettings } from '../persist/index.ts';
import type { ExtensionFactory } from './extensions.ts';
import { WalWriteError } from './ingest.ts';

export const persistenceExtension: ExtensionFactory = ({ config, store, log }) => {
  const persistence = openPersistence({
    store,
    settings: persistSettings(config.metricStore),
    backendUrl: config.main.backendUrl || undefined,
    fsync: config.metricStore.checkpoints.fsync,
    log,
  });
  return {
    writePath: {
      // persistence.ingest, keeping the counts of a body whose WAL append fails.
      ingest: async (body, cluster) => {
        const batch = persistence.openBatch();
        const result = batch.ingest(body, cluster);
        try {
          await batch.commit();
        } catch (err) {
          throw new WalWriteError(result, err);
        }
        return result;
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

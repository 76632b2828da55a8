// -cleanup-checkpoints: one cleanup pass (delete, or archive to Parquet) over
// the checkpoint directory of the configuration, as the running service does
// every retention-in-memory, then exit. Nothing is loaded into memory. It holds
// the directory's lock meanwhile, so it never runs beside a store.

import { stat } from 'node:fs/promises';
import type { ServiceConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { lockDirectory } from '../persist/dir-lock.ts';
import { cleanupOnce, persistSettings } from '../persist/index.ts';

/** Runs the pass; resolves with the line to print, rejects with what went wrong. */
export async function cleanupCheckpoints(config: ServiceConfig, log: Logger, now?: () => number): Promise<string> {
  const settings = persistSettings(config.metricStore);
  const dir = settings.checkpointDir;
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new Error(`checkpoint cleanup: metric-store.checkpoints.directory "${dir}" is not a directory`);

  // Not beside a running store (it cleans up itself); after one that is just stopping.
  const lock = await lockDirectory({ dir, role: 'cleanup', log });
  const summary = await cleanupOnce(settings, { log, now }).finally(() => lock.release());
  if (summary.failed > 0) {
    throw new Error(`checkpoint cleanup: ${summary.failed} files or clusters could not be cleaned up (see the errors above); ${summary.files} files were handled`);
  }
  return settings.cleanupMode === 'delete'
    ? `Cleanup done: ${summary.files} checkpoint files deleted.`
    : `Cleanup done: ${summary.files} checkpoint files archived to parquet${summary.archives.length ? ` (${summary.archives.join(', ')})` : ''}.`;
}

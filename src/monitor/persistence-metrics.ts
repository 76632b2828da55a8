// WAL, checkpoints, restore, retention, cleanup and the node provider, read
// from the persistence status that /api/debug shows too.

import type { PersistenceStatus } from '../persist/index.ts';
import type { ScrapedMetrics } from './scraped.ts';

export interface PersistenceIntervals {
  /** metric-store.checkpoint-interval in seconds. */
  checkpointSeconds: number;
  /** metric-store.retention-in-memory in seconds. */
  retentionSeconds: number;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

export function persistenceMetrics(m: ScrapedMetrics, intervals: PersistenceIntervals): (status: PersistenceStatus) => void {
  m.gauge('cc_metric_store_checkpoint_interval_seconds', 'metric-store.checkpoint-interval')(intervals.checkpointSeconds);
  m.gauge('cc_metric_store_retention_seconds', 'metric-store.retention-in-memory')(intervals.retentionSeconds);

  const walBytes = m.counter('cc_metric_store_wal_bytes_written_total', 'Bytes appended to the write-ahead logs (records and file headers)');
  const walSyncs = m.counter('cc_metric_store_wal_fsyncs_total', 'fdatasync calls on the write-ahead logs (checkpoints.fsync)');
  const walFailed = m.counter('cc_metric_store_wal_failed_batches_total', 'WAL write batches that failed (their writes were answered with an error)');
  const walHeld = m.gauge('cc_metric_store_wal_held_bytes', 'Bytes in the write-ahead logs not yet covered by a snapshot');
  const walHosts = m.gauge('cc_metric_store_wal_hosts', 'Hosts with a write-ahead log');
  const walOpen = m.gauge('cc_metric_store_wal_open_files', 'Write-ahead log files held open');

  const restoreSeconds = m.gauge('cc_metric_store_restore_duration_seconds', 'How long the restore at start-up took (checkpoint files and WAL replay)');
  const restoreBytes = m.gauge('cc_metric_store_restore_bytes', 'Bytes of checkpoint files the restore read');
  const restoreFiles = m.gauge('cc_metric_store_restore_files', 'Checkpoint files the restore loaded');
  const restoreFailed = m.gauge('cc_metric_store_restore_failed_files', 'Checkpoint files the restore could not read (left in place)');
  const restoreWal = m.gauge('cc_metric_store_restore_wal_samples', 'Samples the restore replayed from the write-ahead logs');

  const saved = m.gauge(
    'cc_metric_store_checkpoint_last_timestamp_seconds',
    'When memory was last all on disk: the end of the last checkpoint, or of the restore before the first one',
  );
  const cpSeconds = m.gauge('cc_metric_store_checkpoint_last_duration_seconds', 'How long the last checkpoint took');
  const cpBytes = m.gauge('cc_metric_store_checkpoint_last_bytes', 'Bytes the last checkpoint wrote');
  const cpFiles = m.gauge('cc_metric_store_checkpoint_last_files', 'Files the last checkpoint wrote');
  const cpFailed = m.gauge('cc_metric_store_checkpoint_last_failed_hosts', 'Hosts the last checkpoint could not write (their data stays in memory and the WAL)');
  const early = m.counter('cc_metric_store_early_snapshots_total', 'Snapshots of single hosts written early because their WAL passed checkpoints.max-wal-size');

  const retentionAt = m.gauge('cc_metric_store_retention_last_timestamp_seconds', 'When the last retention pass ran (0: not yet)');
  const retentionFreed = m.gauge('cc_metric_store_retention_last_freed_chunks', 'Chunks the last retention pass freed');
  const retentionKept = m.gauge('cc_metric_store_retention_last_kept_hosts', 'Hosts the last retention pass kept because cc-backend reported jobs on them');
  const providerFailures = m.counter('cc_metric_store_node_provider_failures_total', 'Failed questions to cc-backend for the nodes running jobs (main.backend-url)');
  const providerInARow = m.gauge('cc_metric_store_node_provider_consecutive_failures', 'Failed questions to cc-backend since its last answer');
  const providerGaveUp = m.counter(
    'cc_metric_store_node_provider_passes_without_answer_total',
    'Retention passes that freed by age alone because cc-backend could not be asked',
  );

  const cleanupAt = m.gauge('cc_metric_store_cleanup_last_timestamp_seconds', 'When the last cleanup of old checkpoint files ran (0: not yet)');
  const cleanupFiles = m.gauge('cc_metric_store_cleanup_last_files', 'Checkpoint files the last cleanup deleted or archived');
  const cleanupFailed = m.gauge('cc_metric_store_cleanup_last_failed', 'Checkpoint files the last cleanup could not delete or archive');

  return (s) => {
    if (s.wal) {
      walBytes(s.wal.bytesAppended);
      walSyncs(s.wal.syncs);
      walFailed(s.wal.failedBatches);
      walHeld(s.wal.bytesHeld);
      walHosts(s.wal.hosts);
      walOpen(s.wal.openFiles);
    }
    if (s.restore) {
      restoreSeconds(s.restore.seconds);
      restoreBytes(s.restore.bytes);
      restoreFiles(s.restore.files);
      restoreFailed(s.restore.failedFiles);
      restoreWal(s.restore.walSamples);
    }
    const lastSaved = s.lastCheckpoint?.at ?? s.restore?.at;
    saved(lastSaved ? seconds(lastSaved) : 0);
    cpSeconds(s.lastCheckpoint?.seconds ?? 0);
    cpBytes(s.lastCheckpoint?.bytes ?? 0);
    cpFiles(s.lastCheckpoint?.files ?? 0);
    cpFailed(s.lastCheckpoint?.failed ?? 0);
    early(s.earlySnapshots);
    retentionAt(s.lastRetention ? seconds(s.lastRetention.at) : 0);
    retentionFreed(s.lastRetention?.freed ?? 0);
    retentionKept(s.lastRetention?.kept ?? 0);
    providerFailures(s.nodeProvider?.failures ?? 0);
    providerInARow(s.nodeProvider?.consecutiveFailures ?? 0);
    providerGaveUp(s.nodeProvider?.passesWithoutProvider ?? 0);
    cleanupAt(s.lastCleanup ? seconds(s.lastCleanup.at) : 0);
    cleanupFiles(s.lastCleanup?.files ?? 0);
    cleanupFailed(s.lastCleanup?.failed ?? 0);
  };
}

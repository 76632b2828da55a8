import { availableParallelism } from 'node:os';
import type { MetricStoreConfig } from '../config/types.ts';

// What the persistence layer works with: the `metric-store` section as
// src/config validated it (durations in seconds, defaults filled in), in the
// units persistence counts in. Config errors are reported there, once.

export interface PersistSettings {
  format: 'json' | 'wal';
  checkpointDir: string;
  /** Seconds: how long data stays in memory; also the cleanup interval. */
  retention: number;
  /** Seconds. */
  checkpointInterval: number;
  /** Bytes of sample data, 0 = no cap. */
  memoryCapBytes: number;
  /** Bytes; a host whose WAL grows past this gets a snapshot of its own early. 0 = no limit. */
  maxWalBytes: number;
  cleanupMode: 'delete' | 'archive';
  /** Where archives go (cleanup mode "archive"). */
  archiveDir: string;
  /** How many hosts a checkpoint works on at once. */
  workers: number;
}

export function persistSettings(ms: MetricStoreConfig): PersistSettings {
  return {
    format: ms.checkpoints.fileFormat,
    checkpointDir: ms.checkpoints.directory,
    retention: ms.retentionInMemorySeconds,
    checkpointInterval: ms.checkpointIntervalSeconds,
    memoryCapBytes: ms.memoryCapGB * 1e9,
    maxWalBytes: ms.checkpoints.maxWalSize,
    cleanupMode: ms.cleanup.mode,
    archiveDir: ms.cleanup.directory,
    // Go's default: min(NumCPU/2 + 1, 10).
    workers: ms.numWorkers > 0 ? ms.numWorkers : Math.min(Math.floor(availableParallelism() / 2) + 1, 10),
  };
}

/**
 * A `wal` store in `checkpointDir` holding 48 h, checkpoints every 12 h, no
 * caps, cleanup by deleting: the settings tests and benchmarks run with.
 */
export function walStoreSettings(checkpointDir: string, over: Partial<PersistSettings> = {}): PersistSettings {
  return {
    format: 'wal',
    checkpointDir,
    retention: 48 * 3600,
    checkpointInterval: 12 * 3600,
    memoryCapBytes: 0,
    maxWalBytes: 0,
    cleanupMode: 'delete',
    archiveDir: '',
    workers: 2,
    ...over,
  };
}

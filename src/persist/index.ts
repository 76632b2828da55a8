// Durability: checkpoints, WAL, restore, retention, memory cap, cleanup/archive.
// The service wires `openPersistence` in (see docs/format/checkpoints.md for the files).

export { cleanupOnce, openPersistence } from './persistence.ts';
export type { IngestBatch, Persistence, PersistenceOptions, PersistenceStatus } from './persistence.ts';
export { persistSettings, walStoreSettings } from './settings.ts';
export type { PersistSettings } from './settings.ts';
export type { PersistLogger } from './log.ts';
export { consoleLogger } from './log.ts';
export { COLD_OPENS, DEFAULT_MAX_OPEN_WAL_FILES, WalWriteError } from './wal-appender.ts';
export type { WalStats } from './wal-appender.ts';
export { backendNodeProvider } from './node-provider.ts';
export type { NodeProvider, UsedNodes } from './node-provider.ts';
export type { RestoreSummary } from './restore.ts';
export type { CheckpointSummary } from './checkpointer.ts';
export type { CleanupSummary } from './cleanup.ts';
export type { MemoryCapResult, RetentionResult } from './retention.ts';

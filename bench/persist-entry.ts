// What bench/persist.bench.mjs measures, bundled by esbuild (Node 20 runs no .ts).
export * from '../src/persist/format/index.ts';
export { openPersistence, walStoreSettings } from '../src/persist/index.ts';
export { restore } from '../src/persist/restore.ts';
export { DiskState } from '../src/persist/disk-state.ts';
export { WalAppender } from '../src/persist/wal-appender.ts';
export { writeFileAtomic } from '../src/persist/files.ts';
export { Store } from '../src/engine/index.ts';

// The on-disk formats as pure functions over bytes and strings: no Node APIs,
// so the browser viewer imports this module as it is.

export { FormatError } from './bytes.ts';
export { crc32 } from './crc32.ts';
export { float32ToText } from './float32-text.ts';
export type { CheckpointFile } from './checkpoint-file.ts';
export { countValues, emptyLevel, forEachSeries, isEmptyLevel } from './checkpoint-file.ts';
export { decodeJsonCheckpoint, encodeJsonCheckpoint } from './json-checkpoint.ts';
export type { BinSnapshotTable } from './bin-snapshot.ts';
export { BIN_SNAPSHOT_MAGIC, decodeBinSnapshot, encodeBinSnapshot, readBinSnapshotHeader, scanBinSnapshot } from './bin-snapshot.ts';
export { levelOfTable } from './series-table.ts';
export type { WalDecodeResult, WalSample, WalStop } from './wal.ts';
export { WAL_FILE_MAGIC, WAL_MAX_PAYLOAD, WAL_RECORD_MAGIC, WalDecoder, decodeWal, encodeWalRecord, encodeWalRecords, walFileHeader } from './wal.ts';
export type { ArchiveColumns, ArchiveHost, Compressor } from './parquet-archive.ts';
export {
  ARCHIVE_COLUMNS,
  ARCHIVE_SCHEMA,
  ParquetArchiveEncoder,
  archiveRowsOfHost,
  decodeParquetArchive,
  encodeParquetArchive,
  loadZstdCompressor,
  scopeOfLevel,
} from './parquet-archive.ts';

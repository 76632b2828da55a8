// Binary snapshots (`<from>.bin`, file-format "wal"), byte-compatible with the
// Go store (cc-backend pkg/metricstore/walCheckpoint.go):
//
//   u32 magic 0xCC5B0001, i64 from, i64 to, level
//   level := u32 nMetrics,
//            nMetrics x (u16 nameLen, name, i64 frequency, i64 start, u32 n, n x f32),
//            u32 nChildren,
//            nChildren x (u16 nameLen, name, level)
//
// All little-endian. Reading finds the structure only (scanBinSnapshot: a
// SeriesTable over the file's bytes); the tree with copied values is built
// from that table (decodeBinSnapshot), so there is one reader of the format.

import type { LevelData, SeriesTable } from '../../engine/types.ts';
import { FormatError, decodeName, encodeName, getSafeInt64, putFloat32s, putInt64 } from './bytes.ts';
import { levelOfTable, newSeriesTable, trimSeriesTable } from './series-table.ts';
import type { CheckpointFile } from './checkpoint-file.ts';

export const BIN_SNAPSHOT_MAGIC = 0xcc5b0001;
/** Bytes before the host level: magic, from, to. */
export const BIN_HEADER_SIZE = 20;
const FORMAT = 'binary snapshot';
const MAX_NAME = 0xffff;

export function encodeBinSnapshot(file: CheckpointFile): Uint8Array {
  const names = new Map<string, Uint8Array>();
  const nameBytes = (name: string): Uint8Array => {
    let b = names.get(name);
    if (!b) {
      b = encodeName(name);
      if (b.length > MAX_NAME) throw new RangeError(`${FORMAT}: name longer than ${MAX_NAME} bytes: ${name.slice(0, 40)}...`);
      names.set(name, b);
    }
    return b;
  };
  const size = BIN_HEADER_SIZE + levelSize(file.root, nameBytes);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, BIN_SNAPSHOT_MAGIC, true);
  putInt64(view, 4, file.from);
  putInt64(view, 12, file.to);
  const end = writeLevel(out, view, BIN_HEADER_SIZE, file.root, nameBytes);
  if (end !== size) throw new Error(`${FORMAT}: size mismatch ${end} != ${size}`);
  return out;
}

function levelSize(level: LevelData, nameBytes: (n: string) => Uint8Array): number {
  let size = 8;
  for (const [name, series] of level.metrics) size += 2 + nameBytes(name).length + 20 + series.values.length * 4;
  for (const [name, child] of level.children) size += 2 + nameBytes(name).length + levelSize(child, nameBytes);
  return size;
}

function writeLevel(out: Uint8Array, view: DataView, at: number, level: LevelData, nameBytes: (n: string) => Uint8Array): number {
  view.setUint32(at, level.metrics.size, true);
  at += 4;
  for (const [name, series] of level.metrics) {
    at = writeName(out, view, at, nameBytes(name));
    putInt64(view, at, series.frequency);
    putInt64(view, at + 8, series.start);
    view.setUint32(at + 16, series.values.length, true);
    at += 20;
    putFloat32s(out, at, series.values);
    at += series.values.length * 4;
  }
  view.setUint32(at, level.children.size, true);
  at += 4;
  for (const [name, child] of level.children) {
    at = writeName(out, view, at, nameBytes(name));
    at = writeLevel(out, view, at, child, nameBytes);
  }
  return at;
}

function writeName(out: Uint8Array, view: DataView, at: number, name: Uint8Array): number {
  view.setUint16(at, name.length, true);
  out.set(name, at + 2);
  return at + 2 + name.length;
}

/** `from` and `to` of a snapshot, from its first 20 bytes. */
export function readBinSnapshotHeader(bytes: Uint8Array): { from: number; to: number } {
  if (bytes.length < BIN_HEADER_SIZE) throw new FormatError(FORMAT, bytes.length, 'file shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== BIN_SNAPSHOT_MAGIC) {
    throw new FormatError(FORMAT, 0, `bad magic 0x${magic.toString(16).toUpperCase()} (expected 0xCC5B0001)`);
  }
  return { from: getSafeInt64(view, 4, FORMAT, 'from'), to: getSafeInt64(view, 12, FORMAT, 'to') };
}

/** A snapshot in flat form: its series as a table over the file's own bytes (nothing copied). */
export interface BinSnapshotTable {
  from: number;
  to: number;
  table: SeriesTable;
}

// The counts of the last snapshot scanned: the hosts of a cluster have the
// same levels and series, so the next one's columns are allocated with this
// much room and filled in the one pass that checks them (two passes, one to
// count and one to fill, cost ~1 % of a sealed restore's instructions).
let lastLevels = 0;
let lastSeries = 0;

/**
 * Reads a snapshot's structure (ours or the Go store's) into a SeriesTable
 * over `bytes`: the names and values stay where they are. Throws a
 * FormatError on truncation or garbage. Bytes after the host level are
 * ignored, as the Go loader ignores them.
 */
export function scanBinSnapshot(bytes: Uint8Array): BinSnapshotTable {
  const { from, to } = readBinSnapshotHeader(bytes);
  if (lastSeries > 0 || lastLevels > 0) {
    // One pass: check and fill at once, in columns with the last snapshot's room.
    const roomy = newSeriesTable(bytes, lastLevels, lastSeries);
    const scanner = new LevelScanner(bytes, roomy);
    try {
      scanner.level(BIN_HEADER_SIZE, -1, 0);
      lastLevels = scanner.levels;
      lastSeries = scanner.series;
      return { from, to, table: trimSeriesTable(roomy, scanner.levels, scanner.series) };
    } catch (err) {
      if (err !== NO_ROOM) throw err;
    }
  }
  // More levels or series than the room (or the first snapshot): count them
  // first (checking every bound), then fill columns of the right size.
  const counter = new LevelScanner(bytes, null);
  counter.level(BIN_HEADER_SIZE, -1, 0);
  const table = newSeriesTable(bytes, counter.levels, counter.series);
  new LevelScanner(bytes, table).level(BIN_HEADER_SIZE, -1, 0);
  lastLevels = counter.levels;
  lastSeries = counter.series;
  return { from, to, table };
}

/** Reads a whole snapshot as a tree, the values copied out of `bytes`. */
export function decodeBinSnapshot(bytes: Uint8Array): CheckpointFile {
  const { from, to, table } = scanBinSnapshot(bytes);
  return { from, to, root: levelOfTable(table) };
}

// Deeper trees than this are not a host; the limit keeps a corrupt file from
// exhausting the stack.
const MAX_DEPTH = 64;

/** Thrown when a table's columns have no room for the next level or series. */
const NO_ROOM = new Error('no room in the columns');

/**
 * Checks the bounds of every field and counts levels and series; with a
 * table, also fills its columns (NO_ROOM when they are too short).
 */
class LevelScanner {
  private readonly view: DataView;
  levels = 0;
  series = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly table: SeriesTable | null,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(at: number, n: number, what: string): void {
    if (at + n > this.bytes.length) throw new FormatError(FORMAT, at, `truncated while reading ${what}`);
  }

  private name(at: number, length: number): string {
    return decodeName(this.bytes, at, at + length);
  }

  /** The level at `at` (index `self`, -1 for the host); returns its end. */
  level(at: number, self: number, depth: number): number {
    if (depth > MAX_DEPTH) throw new FormatError(FORMAT, at, `levels nested deeper than ${MAX_DEPTH}`);
    const { view, table } = this;
    const size = this.bytes.length;
    this.need(at, 4, 'metric count');
    const nMetrics = view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nMetrics; i++) {
      this.need(at, 2, 'metric name length');
      const nameLength = view.getUint16(at, true);
      const nameAt = at + 2;
      this.need(nameAt, nameLength, 'metric name');
      at = nameAt + nameLength;
      if (at + 20 > size) this.need(at, 20, `header of metric ${this.name(nameAt, nameLength)}`);
      const n = view.getUint32(at + 16, true);
      const frequency = int64(view, at);
      if (!Number.isSafeInteger(frequency)) getSafeInt64(view, at, FORMAT, `frequency of ${this.name(nameAt, nameLength)}`);
      const start = int64(view, at + 8);
      if (!Number.isSafeInteger(start)) getSafeInt64(view, at + 8, FORMAT, `start of ${this.name(nameAt, nameLength)}`);
      at += 20;
      if (at + n * 4 > size) this.need(at, n * 4, `${n} values of metric ${this.name(nameAt, nameLength)}`);
      const k = this.series++;
      if (table) {
        if (k >= table.seriesLevel.length) throw NO_ROOM;
        table.seriesLevel[k] = self;
        table.seriesNameAt[k] = nameAt;
        table.seriesNameLength[k] = nameLength;
        table.frequency[k] = frequency;
        table.start[k] = start;
        table.valuesAt[k] = at;
        table.valueCount[k] = n;
      }
      at += n * 4;
    }
    this.need(at, 4, 'child count');
    const nChildren = view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nChildren; i++) {
      this.need(at, 2, 'child name length');
      const nameLength = view.getUint16(at, true);
      this.need(at + 2, nameLength, 'child name');
      const index = this.levels++;
      if (table) {
        if (index >= table.levelParent.length) throw NO_ROOM;
        table.levelParent[index] = self;
        table.levelNameAt[index] = at + 2;
        table.levelNameLength[index] = nameLength;
      }
      at = this.level(at + 2 + nameLength, index, depth + 1);
    }
    return at;
  }
}

function int64(view: DataView, at: number): number {
  return view.getInt32(at + 4, true) * 0x1_0000_0000 + view.getUint32(at, true);
}

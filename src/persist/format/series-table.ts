// The two shapes of a checkpoint file's series: a tree (LevelData, what the
// JSON format, the checkpointer and the viewer work with) and the flat
// SeriesTable (what a `.bin` snapshot is as bytes, and what restore hands to
// the engine). Tree to table is the engine's business (src/engine/codec.ts
// seriesTableOf); table to tree is here.

import type { LevelData, SeriesData, SeriesTable } from '../../engine/types.ts';
import { LITTLE_ENDIAN_HOST, copyFloat32s, decodeName } from './bytes.ts';

/**
 * A table over `bytes` with columns for `levels` levels and `series` series,
 * all in one allocation (in the order the engine reads them).
 */
export function newSeriesTable(bytes: Uint8Array, levels: number, series: number): SeriesTable {
  const buffer = new ArrayBuffer(series * 16 + levels * 12 + series * 20);
  const l = levels * 4;
  const s = series * 4;
  let at = series * 16;
  const next = (size: number) => (at += size) - size;
  return {
    bytes,
    frequency: new Float64Array(buffer, 0, series),
    start: new Float64Array(buffer, series * 8, series),
    levelParent: new Int32Array(buffer, next(l), levels),
    levelNameAt: new Uint32Array(buffer, next(l), levels),
    levelNameLength: new Uint32Array(buffer, next(l), levels),
    seriesLevel: new Int32Array(buffer, next(s), series),
    seriesNameAt: new Uint32Array(buffer, next(s), series),
    seriesNameLength: new Uint32Array(buffer, next(s), series),
    valuesAt: new Uint32Array(buffer, next(s), series),
    valueCount: new Uint32Array(buffer, next(s), series),
  };
}

/** The table's columns cut to `levels` levels and `series` series (views of the same memory). */
export function trimSeriesTable(table: SeriesTable, levels: number, series: number): SeriesTable {
  if (levels === table.levelParent.length && series === table.seriesLevel.length) return table;
  return {
    bytes: table.bytes,
    frequency: table.frequency.subarray(0, series),
    start: table.start.subarray(0, series),
    levelParent: table.levelParent.subarray(0, levels),
    levelNameAt: table.levelNameAt.subarray(0, levels),
    levelNameLength: table.levelNameLength.subarray(0, levels),
    seriesLevel: table.seriesLevel.subarray(0, series),
    seriesNameAt: table.seriesNameAt.subarray(0, series),
    seriesNameLength: table.seriesNameLength.subarray(0, series),
    valuesAt: table.valuesAt.subarray(0, series),
    valueCount: table.valueCount.subarray(0, series),
  };
}

/**
 * The table as a tree; values are copied (into one allocation on
 * little-endian hosts), so the tree does not hold on to `table.bytes`.
 * Children of the same name are merged; of two series of the same metric
 * in one level the later is kept.
 */
export function levelOfTable(table: SeriesTable): LevelData {
  const { bytes } = table;
  const nameOf = (at: number, length: number) => decodeName(bytes, at, at + length);
  const root: LevelData = { metrics: new Map(), children: new Map() };
  const levels: LevelData[] = new Array(table.levelParent.length);
  for (let i = 0; i < levels.length; i++) {
    const parent = table.levelParent[i] < 0 ? root : levels[table.levelParent[i]];
    const name = nameOf(table.levelNameAt[i], table.levelNameLength[i]);
    let level = parent.children.get(name);
    if (!level) parent.children.set(name, (level = { metrics: new Map(), children: new Map() }));
    levels[i] = level;
  }
  let total = 0;
  for (let i = 0; i < table.valueCount.length; i++) total += table.valueCount[i];
  const pool = LITTLE_ENDIAN_HOST ? new Float32Array(total) : null;
  const pool8 = pool ? new Uint8Array(pool.buffer) : null;
  let used = 0;
  for (let i = 0; i < table.seriesLevel.length; i++) {
    const level = table.seriesLevel[i] < 0 ? root : levels[table.seriesLevel[i]];
    const n = table.valueCount[i];
    const at = table.valuesAt[i];
    let values: Float32Array;
    if (pool && pool8) {
      pool8.set(bytes.subarray(at, at + n * 4), used * 4);
      values = pool.subarray(used, used + n);
      used += n;
    } else {
      values = copyFloat32s(bytes, at, n);
    }
    const series: SeriesData = { frequency: table.frequency[i], start: table.start[i], values };
    level.metrics.set(nameOf(table.seriesNameAt[i], table.seriesNameLength[i]), series);
  }
  return root;
}

/** The names of a table's levels and series as strings (shared: do not change them). */
export interface TableNames {
  levels: readonly string[];
  series: readonly string[];
}

// The names of the last table named. The hosts of a cluster have the same
// levels and metrics in the same order, so the next table's names are
// usually the very same: comparing their bytes is cheaper than decoding them.
let lastNames: TableNames = { levels: [], series: [] };
let lastView = new DataView(new ArrayBuffer(0));
let lastEnds = new Uint32Array(0);

/** The level and series names of a table. */
export function tableNames(table: SeriesTable): TableNames {
  const nLevels = table.levelNameAt.length;
  const nSeries = table.seriesNameAt.length;
  if (nLevels === lastNames.levels.length && nSeries === lastNames.series.length && sameNames(table, nLevels, nSeries)) {
    return lastNames;
  }
  const { bytes } = table;
  const levels: string[] = new Array(nLevels);
  const series: string[] = new Array(nSeries);
  const ends = new Uint32Array(nLevels + nSeries);
  let size = 0;
  for (let i = 0; i < nLevels; i++) ends[i] = size += table.levelNameLength[i];
  for (let i = 0; i < nSeries; i++) ends[nLevels + i] = size += table.seriesNameLength[i];
  const copy = new Uint8Array(size);
  for (let i = 0; i < nLevels; i++) {
    const at = table.levelNameAt[i];
    const end = at + table.levelNameLength[i];
    levels[i] = decodeName(bytes, at, end);
    copy.set(bytes.subarray(at, end), ends[i] - table.levelNameLength[i]);
  }
  for (let i = 0; i < nSeries; i++) {
    const at = table.seriesNameAt[i];
    const end = at + table.seriesNameLength[i];
    series[i] = decodeName(bytes, at, end);
    copy.set(bytes.subarray(at, end), ends[nLevels + i] - table.seriesNameLength[i]);
  }
  lastNames = { levels, series };
  lastView = new DataView(copy.buffer);
  lastEnds = ends;
  return lastNames;
}

function sameNames(table: SeriesTable, nLevels: number, nSeries: number): boolean {
  const { bytes } = table;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = sameRun(view, table.levelNameAt, table.levelNameLength, nLevels, 0, 0);
  return from >= 0 && sameRun(view, table.seriesNameAt, table.seriesNameLength, nSeries, nLevels, from) >= 0;
}

/**
 * Compares `n` names of a table (at[i], length[i] in `view`) with the last
 * table's names from entry k0 (byte `from` of lastView) on; the byte after
 * them in lastView, -1 at the first difference. Four bytes a step (a
 * byte-by-byte loop over both columns took ~45 instructions a byte, 1.5 % of
 * a sealed restore's instructions).
 */
function sameRun(view: DataView, at: Uint32Array, length: Uint32Array, n: number, k0: number, from: number): number {
  const last = lastView;
  const ends = lastEnds;
  for (let i = 0; i < n; i++) {
    const a = at[i];
    const end = ends[k0 + i];
    const l = length[i];
    if (end - from !== l) return -1;
    let j = 0;
    for (; j + 4 <= l; j += 4) if (view.getUint32(a + j) !== last.getUint32(from + j)) return -1;
    for (; j < l; j++) if (view.getUint8(a + j) !== last.getUint8(from + j)) return -1;
    from = end;
  }
  return from;
}

// The two shapes of a checkpoint file's series: a tree (LevelData, what the
// JSON format, the checkpointer and the viewer work with) and the flat
// SeriesTable (what a `.bin` snapshot is as bytes, and what restore hands to
// the engine). Tree to table is the engine's business (src/engine/codec.ts
// seriesTableOf); table to tree is here.

import type { LevelData, SeriesData, SeriesTable } from '../../engine/types.ts';
import { LITTLE_ENDIAN_HOST, copyFloat32s, decodeName } from './bytes.ts';

/** A table in freshly allocated columns for `levels` levels and `series` series over `bytes`. */
export function newSeriesTable(bytes: Uint8Array, levels: number, series: number): SeriesTable {
  return {
    bytes,
    levelParent: new Int32Array(levels),
    levelNameAt: new Uint32Array(levels),
    levelNameLength: new Uint32Array(levels),
    seriesLevel: new Int32Array(series),
    seriesNameAt: new Uint32Array(series),
    seriesNameLength: new Uint32Array(series),
    frequency: new Float64Array(series),
    start: new Float64Array(series),
    valuesAt: new Uint32Array(series),
    valueCount: new Uint32Array(series),
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

/** The name of level `i` of a table. */
export function levelName(table: SeriesTable, i: number): string {
  return decodeName(table.bytes, table.levelNameAt[i], table.levelNameAt[i] + table.levelNameLength[i]);
}

/** The metric name of series `i` of a table. */
export function seriesName(table: SeriesTable, i: number): string {
  return decodeName(table.bytes, table.seriesNameAt[i], table.seriesNameAt[i] + table.seriesNameLength[i]);
}

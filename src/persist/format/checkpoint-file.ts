// The content of one checkpoint file of one host, whatever its format.

import type { LevelData, SeriesData } from '../../engine/types.ts';

export interface CheckpointFile {
  /** Start of the period the file covers (the previous checkpoint time). */
  from: number;
  /** When the file was written; a loader skips it when this is before the restore point. */
  to: number;
  /** The host level. */
  root: LevelData;
}

export function emptyLevel(): LevelData {
  return { metrics: new Map(), children: new Map() };
}

/** Calls `visit` for every series below `level`, with the level names leading to it. */
export function forEachSeries(
  level: LevelData,
  visit: (path: readonly string[], metric: string, series: SeriesData) => void,
  path: string[] = [],
): void {
  for (const [metric, series] of level.metrics) visit(path, metric, series);
  for (const [name, child] of level.children) {
    path.push(name);
    forEachSeries(child, visit, path);
    path.pop();
  }
}

/** Number of values (NaN included) held by the series of a level tree. */
export function countValues(level: LevelData): number {
  let n = 0;
  forEachSeries(level, (_p, _m, s) => {
    n += s.values.length;
  });
  return n;
}

export function isEmptyLevel(level: LevelData): boolean {
  if (level.metrics.size > 0) return false;
  for (const child of level.children.values()) if (!isEmptyLevel(child)) return false;
  return true;
}

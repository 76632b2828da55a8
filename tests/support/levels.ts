// Builders for LevelData trees in tests.
import type { LevelData, SeriesData } from '../../src/engine/types.ts';

export function series(start: number, values: ArrayLike<number>, frequency = 60): SeriesData {
  return { frequency, start, values: Float32Array.from(values) };
}

export function level(metrics: Record<string, SeriesData> = {}, children: Record<string, LevelData> = {}): LevelData {
  return { metrics: new Map(Object.entries(metrics)), children: new Map(Object.entries(children)) };
}

/** A plain-object view of a level tree (values as arrays, NaN as null) for toEqual. */
export function plain(l: LevelData): unknown {
  return {
    metrics: Object.fromEntries(
      [...l.metrics].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, s]) => [k, { frequency: s.frequency, start: s.start, values: Array.from(s.values, (v) => (Number.isNaN(v) ? null : v)) }]),
    ),
    children: Object.fromEntries([...l.children].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, plain(c)])),
  };
}

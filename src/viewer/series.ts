// Decoded files as a flat list of series: what the viewer lists, plots and checks.
// Browser-safe: no Node APIs.

import type { LevelData, SampleColumns } from '../engine/types.ts';
import type { ArchiveColumns } from '../persist/format/index.ts';

/** Consecutive slots of a series. */
export interface SeriesRun {
  /** Unix seconds of slot 0; slot i is at start + i * frequency. */
  start: number;
  /** NaN marks a missing sample. */
  values: Float32Array;
}

/**
 * A series as one file holds it: one run of slots. Where the samples of a series leave a
 * gap of more than MAX_PADDING_SLOTS, a file's series comes in pieces, several entries
 * of the same path, metric and frequency in time order (as the store's checkpoint files
 * are pieces); mergeSeries joins them.
 */
export interface Series extends SeriesRun {
  /** Cluster, host, then the level names below the host; [cluster, host] is the host level. */
  path: string[];
  metric: string;
  /** Seconds between slots. */
  frequency: number;
  /** Names of the files the values came from. */
  sources: string[];
}

export interface SeriesStats {
  avg: number;
  min: number;
  max: number;
  /** Samples that are not missing; avg/min/max are NaN when it is 0. */
  count: number;
}

export type ProgressCallback = (done: number, total: number) => void;

/**
 * The longest run of missing slots a run of a series is padded over; a longer gap starts
 * a new run, so memory follows the samples, not the time between them. The same bound as
 * the store's chunks (a checkpoint piece is padded over at most 512 slots per gap).
 */
export const MAX_PADDING_SLOTS = 512;

/** Every series of a checkpoint tree, depth first, below `prefix` ([cluster, host]). */
export function seriesFromLevel(prefix: string[], root: LevelData, source: string): Series[] {
  const out: Series[] = [];
  const walk = (path: string[], level: LevelData): void => {
    for (const [metric, s] of level.metrics) {
      out.push({ path, metric, frequency: s.frequency, start: s.start, values: s.values, sources: [source] });
    }
    for (const [name, child] of level.children) walk([...path, name], child);
  };
  walk(prefix, root);
  return out;
}

/**
 * Samples of a replayed WAL laid on a grid per (level path, metric), NaN in the holes.
 * The frequency of a metric comes from `frequencies` when given (the site's metric list,
 * or a snapshot of the same host), else from the spacing of its timestamps.
 */
export function seriesFromSamples(
  prefix: string[],
  samples: SampleColumns,
  source: string,
  frequencies: Record<string, number> = {},
  onProgress?: ProgressCallback,
): Series[] {
  const nMetrics = samples.metrics.length;
  const groupOf = (i: number) => samples.path[i] * nMetrics + samples.metric[i];
  const groups = groupIndices(samples.count, groupOf);
  const out: Series[] = [];
  let done = 0;
  for (const [key, indices] of groups) {
    const metric = samples.metrics[key % nMetrics];
    const levels = samples.paths[Math.floor(key / nMetrics)];
    const path = [...prefix, ...levels];
    for (const run of layOnGrid(samples.ts, samples.value, indices, frequencies[metric])) {
      out.push({ path, metric, ...run, sources: [source] });
    }
    done += indices.length;
    onProgress?.(done, samples.count);
  }
  return out;
}

/**
 * Rows of a Parquet archive grouped by (cluster, hostname, level, metric, frequency) and
 * laid on a grid. The level name is the scope and its id joined again ("hwthread" + "3");
 * scope `node` is the host level.
 */
export function seriesFromArchiveRows(rows: ArchiveColumns, source: string, onProgress?: ProgressCallback): Series[] {
  // Nested maps keyed by the column strings themselves: millions of rows repeat a few
  // hundred names, and a joined key string per row would cost more than the grid.
  const root: Nested = new Map();
  const described: Array<{ path: string[]; metric: string; frequency: number }> = [];
  const { cluster, hostname, scope, scopeId, metric, frequency } = rows;
  const groupOf = (i: number): number => {
    const byFrequency = below(below(below(below(below(root, cluster[i]), hostname[i]), scope[i]), scopeId[i]), metric[i]);
    let id = byFrequency.get(frequency[i]) as number | undefined;
    if (id === undefined) {
      id = described.length;
      byFrequency.set(frequency[i], id);
      const path = scope[i] === 'node' ? [cluster[i], hostname[i]] : [cluster[i], hostname[i], scope[i] + scopeId[i]];
      described.push({ path, metric: metric[i], frequency: frequency[i] });
    }
    return id;
  };
  const groups = groupIndices(rows.count, groupOf);
  const out: Series[] = [];
  let done = 0;
  for (const [id, indices] of groups) {
    const { path, metric, frequency } = described[id];
    for (const run of layOnGrid(rows.timestamp, rows.value, indices, frequency)) {
      out.push({ path, metric, ...run, sources: [source] });
    }
    done += indices.length;
    onProgress?.(done, rows.count);
  }
  return out;
}

export function seriesStats(values: ArrayLike<number>): SeriesStats {
  return statsOf([values]);
}

/** The stats of several stretches of values taken together. */
export function statsOf(parts: Iterable<ArrayLike<number>>): SeriesStats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (const values of parts) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      count++;
    }
  }
  if (count === 0) return { avg: NaN, min: NaN, max: NaN, count };
  return { avg: sum / count, min, max, count };
}

type Nested = Map<string | number, unknown>;

function below(map: Nested, key: string): Nested {
  let next = map.get(key) as Nested | undefined;
  if (next === undefined) map.set(key, (next = new Map()));
  return next;
}

/** Group id -> row indices, each list in ascending time order, groups in order of first appearance. */
function groupIndices(count: number, groupOf: (i: number) => number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const id = groupOf(i);
    const list = groups.get(id);
    if (list) list.push(i);
    else groups.set(id, [i]);
  }
  return groups;
}

/**
 * Samples (given by their indices) on a grid starting at the first timestamp, in runs
 * split where more than MAX_PADDING_SLOTS slots in a row are missing. Slot of a sample =
 * its distance from the start in frequencies, rounded, so a collector's jitter of a second
 * or two lands in the right slot; a later sample for the same slot wins.
 */
function layOnGrid(ts: ArrayLike<number>, value: ArrayLike<number>, indices: number[], frequency: number | undefined): Run[] {
  const time = (i: number) => ts[i];
  if (!isAscending(indices, time)) indices.sort((a, b) => time(a) - time(b) || a - b);
  const f = frequency && frequency > 0 ? frequency : inferFrequency(indices.map(time));
  const origin = time(indices[0]);
  const slotOf = (i: number) => Math.round((time(i) - origin) / f);
  const last = slotOf(indices[indices.length - 1]);
  // The usual series, dense enough for one run: laid in one pass, unless a long gap shows up.
  if (last < indices.length + MAX_PADDING_SLOTS) {
    const values = new Float32Array(last + 1).fill(NaN);
    let previous = 0;
    let longGap = false;
    for (const i of indices) {
      const slot = slotOf(i);
      if (slot - previous > MAX_PADDING_SLOTS + 1) longGap = true;
      values[slot] = value[i];
      previous = slot;
    }
    if (!longGap) return [{ frequency: f, start: origin, values }];
  }
  return splitAtGaps(indices.map(slotOf), value, indices, origin, f);
}

type Run = { frequency: number; start: number; values: Float32Array };

/** Runs of samples whose slots (ascending) leave more than MAX_PADDING_SLOTS between them. */
function splitAtGaps(slots: number[], value: ArrayLike<number>, indices: number[], origin: number, f: number): Run[] {
  const runs: Run[] = [];
  let first = 0;
  for (let k = 1; k <= indices.length; k++) {
    if (k < indices.length && slots[k] - slots[k - 1] <= MAX_PADDING_SLOTS + 1) continue;
    const base = slots[first];
    const values = new Float32Array(slots[k - 1] - base + 1).fill(NaN);
    for (let j = first; j < k; j++) values[slots[j] - base] = value[indices[j]];
    runs.push({ frequency: f, start: origin + base * f, values });
    first = k;
  }
  return runs;
}

function isAscending(indices: number[], time: (i: number) => number): boolean {
  for (let k = 1; k < indices.length; k++) if (time(indices[k]) < time(indices[k - 1])) return false;
  return true;
}

/**
 * The spacing of ascending timestamps in whole seconds. The (lower) median step tells how
 * many slots each step spans, so gaps count as several; the whole span over the number of
 * slots then averages a collector's jitter away (61 s, 59 s -> 60 s). A lone sample says
 * nothing; 60 s is what ClusterCockpit sites mostly use.
 */
export function inferFrequency(times: number[]): number {
  const steps: number[] = [];
  for (let k = 1; k < times.length; k++) {
    const step = times[k] - times[k - 1];
    if (step > 0) steps.push(step);
  }
  if (steps.length === 0) return 60;
  const median = [...steps].sort((a, b) => a - b)[(steps.length - 1) >> 1];
  let slots = 0;
  for (const step of steps) slots += Math.max(1, Math.round(step / median));
  return Math.max(1, Math.round((times[times.length - 1] - times[0]) / slots));
}

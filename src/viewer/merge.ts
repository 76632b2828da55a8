// The pieces of one series (from several files, or one file split at a gap) joined into
// runs: what the page keeps, plots and sums up. Browser-safe: no Node APIs.

import { MAX_PADDING_SLOTS, statsOf, type Series, type SeriesRun, type SeriesStats } from './series.ts';

/** A series over every file read: its runs in time order, apart by more than MAX_PADDING_SLOTS slots. */
export interface MergedSeries {
  path: string[];
  metric: string;
  frequency: number;
  runs: SeriesRun[];
  /** Names of the files the values came from. */
  sources: string[];
}

export type AnySeries = Series | MergedSeries;

export function runsOf(s: AnySeries): SeriesRun[] {
  return 'runs' in s ? s.runs : [{ start: s.start, values: s.values }];
}

/** Unix seconds of the first and the last slot. */
export function firstTime(s: AnySeries): number {
  return runsOf(s)[0].start;
}

export function lastTime(s: AnySeries): number {
  const runs = runsOf(s);
  const last = runs[runs.length - 1];
  return last.start + (last.values.length - 1) * s.frequency;
}

/** Slots from the first to the last, gaps included: what `count` of seriesStats is out of. */
export function spanSlots(s: AnySeries): number {
  return Math.round((lastTime(s) - firstTime(s)) / s.frequency) + 1;
}

/** Slots held in memory (runs only). */
export function heldSlots(s: AnySeries): number {
  return runsOf(s).reduce((n, run) => n + run.values.length, 0);
}

/**
 * Joins series of the same level, metric and frequency (consecutive snapshots of a host,
 * a snapshot and its WAL, the pieces of a checkpoint) into one series. Pieces closer than
 * MAX_PADDING_SLOTS become one run, padded with NaN; a longer gap keeps them apart as
 * runs, so a piece from 1970 and one from today cost what they hold. Where two files hold
 * a value for the same slot, the later one in the list wins, as it would on restore.
 */
export function mergeSeries(list: AnySeries[]): MergedSeries[] {
  const byKey = new Map<string, AnySeries[]>();
  for (const s of list) {
    const key = `${s.path.join('\0')}\0\0${s.metric}\0${s.frequency}`;
    const group = byKey.get(key);
    if (group) group.push(s);
    else byKey.set(key, [s]);
  }
  const out: MergedSeries[] = [];
  for (const group of byKey.values()) {
    const { path, metric, frequency } = group[0];
    if (group.length === 1) {
      // Most series are in one file: nothing to join.
      const only = group[0];
      out.push('runs' in only ? only : { path, metric, frequency, runs: runsOf(only), sources: only.sources });
      continue;
    }
    const pieces = group.flatMap((s, rank) => runsOf(s).map((run) => ({ run, rank })));
    const sources = [...new Set(group.flatMap((s) => s.sources))];
    out.push({ path, metric, frequency, runs: joinRuns(pieces, frequency), sources });
  }
  return out;
}

interface Piece {
  run: SeriesRun;
  /** Position of its file in the list: the higher wins a slot. */
  rank: number;
}

function joinRuns(pieces: Piece[], frequency: number): SeriesRun[] {
  const origin = pieces.reduce((t, p) => Math.min(t, p.run.start), Infinity);
  // Slot offsets from the earliest piece, rounded like WAL timestamps onto their grid.
  const at = (p: Piece) => Math.round((p.run.start - origin) / frequency);
  const sorted = pieces.map((p) => ({ ...p, from: at(p), to: at(p) + p.run.values.length }));
  sorted.sort((a, b) => a.from - b.from || a.rank - b.rank);
  const runs: SeriesRun[] = [];
  let k = 0;
  while (k < sorted.length) {
    let end = k + 1;
    let to = sorted[k].to;
    while (end < sorted.length && sorted[end].from - to <= MAX_PADDING_SLOTS) to = Math.max(to, sorted[end++].to);
    const cluster = sorted.slice(k, end);
    runs.push(cluster.length === 1 ? cluster[0].run : overlay(cluster, to, frequency, origin));
    k = end;
  }
  return runs;
}

/** Pieces that touch or overlap on one grid; the later file's values over the earlier's, NaN never winning. */
function overlay(cluster: Array<Piece & { from: number }>, to: number, frequency: number, origin: number): SeriesRun {
  const from = cluster[0].from;
  const values = new Float32Array(to - from).fill(NaN);
  for (const { run, from: at } of [...cluster].sort((a, b) => a.rank - b.rank)) {
    const offset = at - from;
    for (let i = 0; i < run.values.length; i++) {
      if (!Number.isNaN(run.values[i])) values[offset + i] = run.values[i];
    }
  }
  return { start: origin + from * frequency, values };
}

/** avg/min/max over every run: missing samples and gaps between runs count for nothing. */
export function mergedStats(s: AnySeries): SeriesStats {
  return statsOf(runsOf(s).map((run) => run.values));
}

// Series on one shared time axis, the shape uPlot draws: [times, values per series],
// null where a series has no sample so the line breaks there instead of bridging it.
// The axis holds the slots of the runs and the gaps between them, except gaps too long to
// draw: those are cut out, each leaving one null slot (a *break*), and the page draws the
// axis by slot index instead of time. So a piece from 1970 and today's cost their samples,
// not 56 years of empty slots, and both stay readable.

import { runsOf, type AnySeries } from './merge.ts';
import { MAX_PADDING_SLOTS, type SeriesRun } from './series.ts';

export type ChartData = [number[], ...Array<Array<number | null>>];

export interface ChartLayout {
  data: ChartData;
  /** Indices into data[0] of the null slots that stand for a gap cut out of the axis, ascending. */
  breaks: number[];
}

export function chartData(list: AnySeries[]): ChartData {
  return chartLayout(list).data;
}

export function chartLayout(list: AnySeries[]): ChartLayout {
  const runs = list.map((s) => runsOf(s).filter((r) => r.values.length > 0));
  const first = runs.flat()[0];
  if (first === undefined) return { data: [[], ...list.map(() => [])], breaks: [] };
  return onCommonGrid(list, runs, first.start) ? alignOnGrid(list[0].frequency, runs) : alignOnUnion(list, runs);
}

/** True when every slot of every series falls on one grid (same frequency, starts a whole number of steps apart). */
function onCommonGrid(list: AnySeries[], runs: SeriesRun[][], start: number): boolean {
  const { frequency } = list[0];
  return list.every((s, k) => s.frequency === frequency && runs[k].every((r) => (r.start - start) % frequency === 0));
}

/**
 * Which gaps (lengths in missing slots) are cut from the axis. Gaps a run would be padded
 * over always stay; longer ones stay, shortest first, while all the gap slots kept are no
 * more than the slots with data; a gap wider than the data itself would squeeze it flat.
 */
function gapsToCut(gaps: number[], dataSlots: number): boolean[] {
  const cut = gaps.map(() => false);
  let budget = dataSlots;
  for (const g of gaps) if (g <= MAX_PADDING_SLOTS) budget -= g;
  const long = gaps.map((g, k) => k).filter((k) => gaps[k] > MAX_PADDING_SLOTS);
  long.sort((a, b) => gaps[a] - gaps[b]);
  for (const k of long) {
    if (gaps[k] <= budget) budget -= gaps[k];
    else cut[k] = true;
  }
  return cut;
}

function alignOnGrid(f: number, runs: SeriesRun[][]): ChartLayout {
  const origin = runs.flat().reduce((t, r) => Math.min(t, r.start), Infinity);
  const slotOf = (t: number) => Math.round((t - origin) / f);
  // The slots some series has a run over, as [from, to) offsets from origin, joined where they touch.
  const spans = runs.flat().map((r) => [slotOf(r.start), slotOf(r.start) + r.values.length]);
  spans.sort((a, b) => a[0] - b[0]);
  const covered: number[][] = [];
  for (const [from, to] of spans) {
    const last = covered[covered.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else covered.push([from, to]);
  }
  const gaps = covered.slice(1).map(([from], k) => from - covered[k][1]);
  const cut = gapsToCut(gaps, covered.reduce((n, [from, to]) => n + to - from, 0));
  // The axis as segments of consecutive slots: [first slot, its index on the axis].
  const times: number[] = [];
  const segments: Array<[from: number, at: number]> = [];
  const breaks: number[] = [];
  let next = covered[0][0];
  segments.push([next, 0]);
  for (let k = 0; k < covered.length; k++) {
    for (; next < covered[k][1]; next++) times.push(origin + next * f);
    if (k === gaps.length) break;
    if (cut[k]) {
      breaks.push(times.length);
      times.push(origin + next * f);
      next = covered[k + 1][0];
      segments.push([next, times.length]);
    } else {
      for (; next < covered[k + 1][0]; next++) times.push(origin + next * f);
    }
  }
  const columns = runs.map((list) => {
    const column = new Array<number | null>(times.length).fill(null);
    for (const run of list) {
      const from = slotOf(run.start);
      const [segmentFrom, at] = segmentOf(segments, from);
      const offset = at + from - segmentFrom;
      for (let i = 0; i < run.values.length; i++) column[offset + i] = toPoint(run.values[i]);
    }
    return column;
  });
  return { data: [times, ...columns], breaks };
}

/** The last segment starting at or before `slot` (a run lies inside one segment). */
function segmentOf(segments: Array<[number, number]>, slot: number): [number, number] {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid][0] <= slot) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo];
}

/**
 * Series off one grid: the union of their slot times. A step longer than the longest
 * frequency is a gap; it is filled at the shortest frequency or cut like on a grid.
 */
function alignOnUnion(list: AnySeries[], runs: SeriesRun[][]): ChartLayout {
  const all = new Set<number>();
  runs.forEach((rs, k) => {
    const f = list[k].frequency;
    for (const r of rs) for (let i = 0; i < r.values.length; i++) all.add(r.start + i * f);
  });
  const data = [...all].sort((a, b) => a - b);
  const frequencies = list.map((s) => s.frequency);
  const fMin = Math.min(...frequencies);
  const fMax = Math.max(...frequencies);
  const gapAfter: number[] = [];
  const gaps: number[] = [];
  for (let i = 1; i < data.length; i++) {
    if (data[i] - data[i - 1] <= fMax) continue;
    gapAfter.push(i - 1);
    gaps.push(Math.ceil((data[i] - data[i - 1]) / fMin) - 1);
  }
  const cut = gapsToCut(gaps, data.length);
  const times: number[] = [];
  const breaks: number[] = [];
  let g = 0;
  for (let i = 0; i < data.length; i++) {
    times.push(data[i]);
    if (gapAfter[g] !== i) continue;
    if (cut[g]) {
      breaks.push(times.length);
      times.push(data[i] + fMin);
    } else {
      for (let t = data[i] + fMin; t < data[i + 1]; t += fMin) times.push(t);
    }
    g++;
  }
  const index = new Map<number, number>();
  times.forEach((t, i) => index.set(t, i));
  const columns = runs.map((rs, k) => {
    const f = list[k].frequency;
    const column = new Array<number | null>(times.length).fill(null);
    for (const r of rs) for (let i = 0; i < r.values.length; i++) column[index.get(r.start + i * f)!] = toPoint(r.values[i]);
    return column;
  });
  return { data: [times, ...columns], breaks };
}

function toPoint(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

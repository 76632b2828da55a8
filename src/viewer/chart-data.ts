// Series on one shared time axis, the shape uPlot draws: [times, values per series],
// null where a series has no sample so the line breaks there instead of bridging it.

import type { Series } from './series.ts';

export type ChartData = [number[], ...Array<Array<number | null>>];

export function chartData(list: Series[]): ChartData {
  if (list.length === 0) return [[]];
  return onCommonGrid(list) ? alignOnGrid(list) : alignOnUnion(list);
}

/** True when every slot of every series falls on one grid (same frequency, starts a whole number of steps apart). */
function onCommonGrid(list: Series[]): boolean {
  const { frequency, start } = list[0];
  return list.every((s) => s.frequency === frequency && (s.start - start) % frequency === 0);
}

function alignOnGrid(list: Series[]): ChartData {
  const f = list[0].frequency;
  const start = Math.min(...list.map((s) => s.start));
  const end = Math.max(...list.map((s) => s.start + (s.values.length - 1) * f));
  const slots = Math.round((end - start) / f) + 1;
  const times = new Array<number>(slots);
  for (let i = 0; i < slots; i++) times[i] = start + i * f;
  const columns = list.map((s) => {
    const column = new Array<number | null>(slots).fill(null);
    const offset = Math.round((s.start - start) / f);
    for (let i = 0; i < s.values.length; i++) column[offset + i] = toPoint(s.values[i]);
    return column;
  });
  return [times, ...columns];
}

function alignOnUnion(list: Series[]): ChartData {
  const all = new Set<number>();
  for (const s of list) for (let i = 0; i < s.values.length; i++) all.add(s.start + i * s.frequency);
  const times = [...all].sort((a, b) => a - b);
  const index = new Map<number, number>();
  times.forEach((t, i) => index.set(t, i));
  const columns = list.map((s) => {
    const column = new Array<number | null>(times.length).fill(null);
    for (let i = 0; i < s.values.length; i++) column[index.get(s.start + i * s.frequency)!] = toPoint(s.values[i]);
    return column;
  });
  return [times, ...columns];
}

function toPoint(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

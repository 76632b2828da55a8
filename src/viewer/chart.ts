// The uPlot chart of the selected series: time on x in local time, gaps left open.
// When the layout cut long gaps out of the axis, x runs by slot index instead of time
// (uPlot's ordinal scale, ticks still labelled with their times), each cut drawn as a
// dashed line and named under the chart: all the data stays visible at a readable scale
// instead of a 56-year axis with today's samples in one pixel column.

import uPlot from 'uplot';
import { levelName } from './catalog.ts';
import type { ChartLayout } from './chart-data.ts';
import { formatTime, formatValue } from './format.ts';
import { heldSlots, type MergedSeries } from './merge.ts';

const HEIGHT = 360;

export class Chart {
  private plot: uPlot | null = null;
  private note: HTMLElement | null = null;

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
  }

  show(list: MergedSeries[], layout: ChartLayout, metric: string): void {
    this.clear();
    if (list.length === 0) return;
    const { data, breaks } = layout;
    const opts: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      title: metric,
      scales: { x: breaks.length > 0 ? { time: true, distr: 2 } : { time: true } },
      series: [
        { label: 'time', value: (_u, v) => (v == null ? '—' : formatTime(v)) },
        ...list.map((s, i) => ({
          label: levelName(s) || 'node',
          stroke: colour(i, list.length),
          width: 1.5,
          spanGaps: false,
          points: { show: heldSlots(s) <= 200 },
          value: (_u: uPlot, v: number | null) => formatValue(v),
        })),
      ],
      axes: [{ values: (_u, ticks) => timeTicks(ticks) }, { size: 70 }],
      hooks: breaks.length > 0 ? { draw: [(u) => drawBreaks(u, breaks)] } : {},
    };
    this.plot = new uPlot(opts, data as uPlot.AlignedData, this.container);
    if (breaks.length > 0) {
      this.note = document.createElement('p');
      this.note.className = 'chart-note';
      this.note.textContent = breakNote(data[0], breaks);
      this.container.append(this.note);
    }
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = null;
    this.note?.remove();
    this.note = null;
  }

  private width(): number {
    return Math.max(320, this.container.clientWidth || document.body.clientWidth - 40);
  }
}

/** A dashed vertical line at each cut; on the ordinal scale x values are slot indices. */
function drawBreaks(u: uPlot, breaks: number[]): void {
  const { ctx } = u;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.strokeStyle = '#888';
  const width = Math.max(1, Math.round(devicePixelRatio));
  ctx.lineWidth = width;
  ctx.setLineDash([4 * width, 4 * width]);
  for (const i of breaks) {
    // On a pixel's middle for an odd width: a crisp line, not two half-grey columns.
    const x = Math.round(u.valToPos(i, 'x', true)) + (width % 2) / 2;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
  }
  ctx.restore();
}

/** "The time axis skips the time between 1970-01-01 00:01:00 and 2026-12-01 19:00:00 (no samples; dashed line)." */
function breakNote(times: number[], breaks: number[]): string {
  const skipped = breaks.map((i) => `between ${formatTime(times[i - 1])} and ${formatTime(times[i + 1])}`);
  const lines = breaks.length === 1 ? 'dashed line' : 'dashed lines';
  return `The time axis skips the time ${skipped.join(', ')} (no samples; ${lines}).`;
}

/** Evenly spread hues; one series gets the page's accent blue. */
function colour(i: number, n: number): string {
  if (n === 1) return '#0b63c5';
  return `hsl(${Math.round((i * 360) / n + 210) % 360}, 70%, 42%)`;
}

/** Tick labels in local 24-hour time, the date under the first tick and wherever the day changes. */
function timeTicks(ticks: number[]): string[] {
  const withSeconds = ticks.length > 1 && ticks[1] - ticks[0] < 60;
  return ticks.map((t, i) => {
    const text = formatTime(t);
    const clock = text.slice(11, withSeconds ? 19 : 16);
    const day = text.slice(0, 10);
    return i === 0 || formatTime(ticks[i - 1]).slice(0, 10) !== day ? `${clock}\n${day}` : clock;
  });
}

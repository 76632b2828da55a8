// The uPlot chart of the selected series: time on x in local time, gaps left open.

import uPlot from 'uplot';
import { levelName } from './catalog.ts';
import type { ChartData } from './chart-data.ts';
import { formatTime, formatValue } from './format.ts';
import type { Series } from './series.ts';

const HEIGHT = 360;

export class Chart {
  private plot: uPlot | null = null;

  constructor(private readonly container: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
  }

  show(list: Series[], data: ChartData, metric: string): void {
    this.clear();
    if (list.length === 0) return;
    const opts: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      title: metric,
      scales: { x: { time: true } },
      series: [
        { label: 'time', value: (_u, v) => (v == null ? '—' : formatTime(v)) },
        ...list.map((s, i) => ({
          label: levelName(s) || 'node',
          stroke: colour(i, list.length),
          width: 1.5,
          spanGaps: false,
          points: { show: s.values.length <= 200 },
          value: (_u: uPlot, v: number | null) => formatValue(v),
        })),
      ],
      axes: [{ values: (_u, ticks) => timeTicks(ticks) }, { size: 70 }],
    };
    this.plot = new uPlot(opts, data as uPlot.AlignedData, this.container);
  }

  clear(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(320, this.container.clientWidth || document.body.clientWidth - 40);
  }
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

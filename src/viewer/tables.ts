// The page's tables: files read, statistics of the plotted series, their first values.

import { levelName } from './catalog.ts';
import type { ChartData } from './chart-data.ts';
import type { DecodedFile } from './decode.ts';
import { formatAverage, formatBytes, formatTime, formatValue } from './format.ts';
import { firstTime, lastTime, mergedStats, spanSlots, type MergedSeries } from './merge.ts';
import type { Series } from './series.ts';

/** Rows of the first-values table; enough to compare with a query answer by eye. */
const FIRST_VALUES = 20;
/** Columns of the first-values table; the chart shows the rest. */
const VALUE_COLUMNS = 8;

export function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function row(cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

export function addFileRow(table: HTMLTableElement, file: DecodedFile, size: number): void {
  table.tBodies[0].append(
    row([
      cell(file.name),
      cell(`${file.kind} (${formatBytes(size)})`),
      cell(owners(file.series)),
      cell(period(file)),
      cell(String(file.series.length), 'num'),
      cell(file.notes.join('; '), 'notes'),
    ]),
  );
  table.hidden = false;
}

/** "fritz / f0201" for one host, else how many hosts of how many clusters. */
function owners(list: Series[]): string {
  const hosts = new Set(list.map((s) => `${s.path[0]} / ${s.path[1]}`));
  if (hosts.size <= 1) return [...hosts].join('');
  const clusters = new Set(list.map((s) => s.path[0]));
  return clusters.size === 1 ? `${[...clusters][0]}: ${hosts.size} hosts` : `${clusters.size} clusters, ${hosts.size} hosts`;
}

/** The period a checkpoint names, else the first and last slot of what the file held. */
function period(file: DecodedFile): string {
  if (file.from !== undefined && file.to !== undefined) return `${formatTime(file.from)} – ${formatTime(file.to)}`;
  if (file.series.length === 0) return '';
  const first = Math.min(...file.series.map((s) => s.start));
  const last = Math.max(...file.series.map((s) => s.start + (s.values.length - 1) * s.frequency));
  return `${formatTime(first)} – ${formatTime(last)}`;
}

export function showStats(table: HTMLTableElement, list: MergedSeries[]): void {
  const body = table.tBodies[0];
  body.replaceChildren(
    ...list.map((s) => {
      const stats = mergedStats(s);
      const tr = row([
        cell(levelName(s) || 'node'),
        cell(s.metric),
        cell(`${s.frequency} s`, 'num'),
        cell(formatTime(firstTime(s))),
        cell(formatTime(lastTime(s))),
        cell(`${stats.count} / ${spanSlots(s)}`, 'num'),
        cell(formatAverage(stats.avg), 'num stat-avg'),
        cell(formatValue(stats.min), 'num stat-min'),
        cell(formatValue(stats.max), 'num stat-max'),
        cell(s.sources.join(', ')),
      ]);
      tr.dataset.level = levelName(s);
      return tr;
    }),
  );
  table.hidden = list.length === 0;
}

export function showFirstValues(table: HTMLTableElement, title: HTMLElement, list: MergedSeries[], data: ChartData): void {
  const shown = list.slice(0, VALUE_COLUMNS);
  const head = document.createElement('tr');
  for (const name of ['Time', ...shown.map((s) => levelName(s) || 'node')]) {
    const th = document.createElement('th');
    th.textContent = name;
    head.append(th);
  }
  table.tHead!.replaceChildren(head);
  const times = data[0];
  const rows: HTMLTableRowElement[] = [];
  for (let i = 0; i < Math.min(FIRST_VALUES, times.length); i++) {
    const values = shown.map((_, k) => {
      const v = data[k + 1][i];
      return cell(formatValue(v), v === null ? 'num gap' : 'num');
    });
    rows.push(row([cell(formatTime(times[i])), ...values]));
  }
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = title.hidden = rows.length === 0;
}

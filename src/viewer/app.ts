// The viewer page: open or drop files, pick what to see, plot it. Bundled into one
// classic script (build/viewer/viewer.js) so the page also works from file://.

import { ALL_LEVELS, Catalog } from './catalog.ts';
import { Chart } from './chart.ts';
import { chartLayout } from './chart-data.ts';
import type { DecodeProgress } from './decode.ts';
import { DecoderClient } from './decoder-client.ts';
import { formatBytes } from './format.ts';
import { decodeOrder, filesFromDrop, filesFromInput, type PickedFile } from './picked-files.ts';
import { addFileRow, showFirstValues, showStats } from './tables.ts';

/** The worker script, put in by the build; absent when this file runs unbundled. */
declare const __VIEWER_WORKER__: string | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  fileInput: $<HTMLInputElement>('file-input'),
  folderInput: $<HTMLInputElement>('folder-input'),
  cluster: $<HTMLInputElement>('cluster-input'),
  host: $<HTMLInputElement>('host-input'),
  clear: $<HTMLButtonElement>('clear-button'),
  progress: $<HTMLDivElement>('progress'),
  progressBar: $<HTMLProgressElement>('progress-bar'),
  progressLabel: $<HTMLSpanElement>('progress-label'),
  errors: $<HTMLUListElement>('errors'),
  files: $<HTMLTableElement>('files'),
  picker: $<HTMLElement>('picker'),
  pickCluster: $<HTMLSelectElement>('pick-cluster'),
  pickHost: $<HTMLSelectElement>('pick-host'),
  pickLevel: $<HTMLSelectElement>('pick-level'),
  pickMetric: $<HTMLSelectElement>('pick-metric'),
  chart: $<HTMLDivElement>('chart'),
  stats: $<HTMLTableElement>('stats'),
  valuesTitle: $<HTMLElement>('values-title'),
  values: $<HTMLTableElement>('values'),
  dropOverlay: $<HTMLDivElement>('drop-overlay'),
};

const catalog = new Catalog();
const chart = new Chart(ui.chart);
const decoder = new DecoderClient(typeof __VIEWER_WORKER__ === 'string' ? __VIEWER_WORKER__ : null);
/** Metric -> frequency learnt from metric lists and checkpoints, for laying WAL samples on a grid. */
const frequencies: Record<string, number> = {};
/** Files are decoded one batch after another, never two at once. */
let queue = Promise.resolve();

function open(files: PickedFile[]): void {
  if (files.length === 0) return;
  queue = queue.then(() => decodeAll(decodeOrder(files))).catch((err) => reportError(`showing the files: ${err}`));
}

async function decodeAll(files: PickedFile[]): Promise<void> {
  ui.progress.hidden = false;
  for (const [n, picked] of files.entries()) {
    const { file, relativePath } = picked;
    const showProgress = (p: DecodeProgress) => {
      const fraction = p.total > 0 ? p.done / p.total : 1;
      const [from, span] = STAGE_SHARE[p.stage];
      ui.progressBar.value = (n + from + span * fraction) / files.length;
      ui.progressLabel.textContent =
        `${n + 1} of ${files.length}: ${relativePath} (${formatBytes(file.size)}), ${STAGE_NAME[p.stage]} ${Math.floor(fraction * 100)} %`;
    };
    showProgress({ stage: 'read', done: 0, total: file.size });
    try {
      const result = await decoder.decode(
        {
          file,
          name: file.name,
          relativePath,
          cluster: ui.cluster.value,
          host: ui.host.value,
          frequencies: { ...frequencies },
        },
        showProgress,
      );
      Object.assign(frequencies, result.frequencies);
      for (const s of result.series) frequencies[s.metric] ??= s.frequency;
      catalog.add(result.series);
      addFileRow(ui.files, result, file.size);
      refreshPicker();
    } catch (err) {
      reportError(err instanceof Error ? err.message : String(err));
    }
  }
  ui.progressBar.value = 1;
  const where = decoder.inWorker ? 'in a background worker' : 'in this page';
  ui.progressLabel.textContent = `${files.length} file${files.length === 1 ? '' : 's'} read ${where}; ${catalog.size} series`;
}

/** Where each stage sits in one file's share of the bar: [offset, span]. */
const STAGE_SHARE: Record<DecodeProgress['stage'], [number, number]> = {
  read: [0, 0.3],
  decode: [0.3, 0.5],
  series: [0.8, 0.2],
};
const STAGE_NAME: Record<DecodeProgress['stage'], string> = { read: 'reading', decode: 'decoding', series: 'sorting into series' };

function reportError(message: string): void {
  const li = document.createElement('li');
  li.textContent = message;
  ui.errors.append(li);
}

/** Fills a select with `options`, keeping the current choice when it is still there. */
function fill(select: HTMLSelectElement, options: Array<[value: string, label: string]>): void {
  const previous = select.value;
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  if (options.some(([value]) => value === previous)) select.value = previous;
}

const plain = (names: string[]): Array<[string, string]> => names.map((n) => [n, n]);

function refreshPicker(): void {
  ui.picker.hidden = catalog.size === 0;
  fill(ui.pickCluster, plain(catalog.clusters()));
  fill(ui.pickHost, plain(catalog.hosts(ui.pickCluster.value)));
  const levels = catalog.levels(ui.pickCluster.value, ui.pickHost.value);
  const levelOptions: Array<[string, string]> = levels.map((l) => [l, l === '' ? 'node (host level)' : l]);
  if (levels.length > 1) levelOptions.push([ALL_LEVELS, `every level (${levels.length})`]);
  fill(ui.pickLevel, levelOptions);
  fill(ui.pickMetric, plain(catalog.metrics(ui.pickCluster.value, ui.pickHost.value, ui.pickLevel.value)));
  plot();
}

function plot(): void {
  const metric = ui.pickMetric.value;
  const list = catalog.select(ui.pickCluster.value, ui.pickHost.value, ui.pickLevel.value, metric);
  const layout = chartLayout(list);
  chart.show(list, layout, metric);
  showStats(ui.stats, list);
  showFirstValues(ui.values, ui.valuesTitle, list, layout.data);
}

function clearAll(): void {
  catalog.clear();
  for (const key of Object.keys(frequencies)) delete frequencies[key];
  chart.clear();
  ui.files.tBodies[0].replaceChildren();
  ui.files.hidden = true;
  ui.errors.replaceChildren();
  ui.progress.hidden = true;
  refreshPicker();
}

ui.fileInput.addEventListener('change', () => {
  open(filesFromInput(ui.fileInput.files!));
  ui.fileInput.value = '';
});
ui.folderInput.addEventListener('change', () => {
  open(filesFromInput(ui.folderInput.files!));
  ui.folderInput.value = '';
});
for (const select of [ui.pickCluster, ui.pickHost, ui.pickLevel, ui.pickMetric]) {
  select.addEventListener('change', refreshPicker);
}
ui.clear.addEventListener('click', () => {
  queue = queue.then(clearAll).catch((err) => reportError(`clearing: ${err}`));
});

// Dragging over child elements fires enter/leave pairs; count them to know when the drag has left the page.
let dragDepth = 0;
document.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  dragDepth++;
  ui.dropOverlay.hidden = false;
});
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) ui.dropOverlay.hidden = true;
});
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  ui.dropOverlay.hidden = true;
  if (!e.dataTransfer) return;
  filesFromDrop(e.dataTransfer).then(open, (err) => reportError(`reading the dropped files: ${err}`));
});

// How fast the viewer decodes big files, and whether the page stays live meanwhile.
// Needs `npm run build` (dist/ and build/viewer/). Prints figures; asserts nothing.
//
//   node bench/viewer-decode.bench.mjs [hours=12] [archiveHosts=4]
//
// One host of 128 hwthreads x 10 metrics + 20 node metrics at 60 s: a current.wal and a
// .bin of `hours`, and a Parquet archive of `archiveHosts` such hosts. Each is decoded
// in Node; then the WAL goes through the built page in headless Chromium while a timer
// on the page's thread measures its longest stall.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = new URL('../', import.meta.url);
const need = (path) => {
  if (!existsSync(new URL(path, root))) throw new Error(`${path} missing: run npm run build first`);
  return new URL(path, root).href;
};
const { decodeFile } = await import(need('dist/viewer/index.js'));
const { encodeBinSnapshot, encodeParquetArchive, encodeWalRecords, walFileHeader } = await import(need('dist/persist/format/index.js'));
need('build/viewer/index.html');

const hours = Number(process.argv[2] ?? 12);
const archiveHosts = Number(process.argv[3] ?? 4);
const slots = hours * 60;
const T0 = 1725620000;

function hostLevel(seed) {
  const series = (k) => ({ frequency: 60, start: T0, values: Float32Array.from({ length: slots }, (_, i) => (seed + k + i) % 97) });
  const metrics = (names, k) => new Map(names.map((m, j) => [m, series(k + j)]));
  const threadMetrics = Array.from({ length: 10 }, (_, j) => `thread_metric_${j}`);
  const nodeMetrics = Array.from({ length: 20 }, (_, j) => `node_metric_${j}`);
  const children = new Map(Array.from({ length: 128 }, (_, t) => [`hwthread${t}`, { metrics: metrics(threadMetrics, t), children: new Map() }]));
  return { metrics: metrics(nodeMetrics, 0), children };
}

function walOf(level) {
  const samples = [];
  for (let i = 0; i < slots; i++) {
    for (const [metric, s] of level.metrics) samples.push({ ts: T0 + i * 60, metric, path: [], value: s.values[i] });
    for (const [name, child] of level.children) {
      for (const [metric, s] of child.metrics) samples.push({ ts: T0 + i * 60, metric, path: [name], value: s.values[i] });
    }
  }
  const records = encodeWalRecords(samples);
  const out = new Uint8Array(4 + records.length);
  out.set(walFileHeader());
  out.set(records, 4);
  return out;
}

const mib = (n) => (n / 1048576).toFixed(1);
async function time(label, bytes, name) {
  const t = performance.now();
  const file = await decodeFile(name, bytes, { cluster: 'bench', host: 'h0' });
  const ms = performance.now() - t;
  const values = file.series.reduce((n, s) => n + s.values.length, 0);
  console.log(`${label.padEnd(8)} ${mib(bytes.length).padStart(7)} MiB  ${ms.toFixed(0).padStart(6)} ms  ${(bytes.length / 1048576 / (ms / 1000)).toFixed(0).padStart(4)} MiB/s  ${file.series.length} series, ${values} slots`);
}

const level = hostLevel(0);
const wal = walOf(level);
const bin = encodeBinSnapshot({ from: T0, to: T0 + slots * 60, root: level });
const archive = await encodeParquetArchive(
  Array.from({ length: archiveHosts }, (_, h) => ({ cluster: 'bench', hostname: `h${h}`, files: [{ from: T0, to: T0 + slots * 60, root: hostLevel(h) }] })),
);
console.log(`Node ${process.version}, ${hours} h at 60 s, 1300 series per host`);
await time('.bin', bin, 'a.bin');
await time('.wal', wal, 'current.wal');
await time('.parquet', archive, 'a.parquet');

// The page: the WAL through the file input; a 10 ms timer on the page's thread records its longest gap.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.log(`page: skipped, no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(0);
}
const { chromium } = await import('playwright-core');
const work = await mkdtemp(join(tmpdir(), 'viewer-bench-'));
try {
  await writeFile(join(work, 'current.wal'), wal);
  await writeFile(join(work, 'a.parquet'), archive);
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await context.newPage();
  await page.goto(pathToFileURL(fileURLToPath(new URL('build/viewer/index.html', root))).href);
  for (const name of ['current.wal', 'a.parquet']) {
    await page.evaluate(() => {
      const probe = (window.__probe = { last: performance.now(), worst: 0, labels: new Set() });
      probe.timer = setInterval(() => {
        const now = performance.now();
        probe.worst = Math.max(probe.worst, now - probe.last);
        probe.last = now;
        probe.labels.add(document.getElementById('progress-label').textContent.replace(/.*, /, ''));
      }, 10);
    });
    const t = performance.now();
    await page.fill('#cluster-input', 'bench');
    await page.fill('#host-input', 'h0');
    await page.setInputFiles('#file-input', join(work, name));
    await page.waitForFunction(() => /1 file read/.test(document.getElementById('progress-label').textContent), null, { timeout: 600_000 });
    const ms = performance.now() - t;
    const probe = await page.evaluate(() => {
      clearInterval(window.__probe.timer);
      return { worst: window.__probe.worst, labels: [...window.__probe.labels] };
    });
    const steps = probe.labels.filter((l) => /%$/.test(l)).length;
    console.log(`page ${name}: ${ms.toFixed(0)} ms to plot-ready, longest stall of the page's thread ${probe.worst.toFixed(0)} ms, ${steps} progress states seen`);
    await page.click('#clear-button');
  }
  await context.close();
} finally {
  await rm(work, { recursive: true, force: true });
}

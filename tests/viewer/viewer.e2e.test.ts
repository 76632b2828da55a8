// The built viewer page in real headless Chromium, served over HTTP (as the store serves
// it at /viewer/) and opened from file://: three files go in through the file input,
// the decoded values must show up and the chart must be drawn.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildViewer } from '../../scripts/build-viewer.mjs';
import { VIEWER_DIR, VIEWER_FILES, viewerAsset } from '../../src/viewer/assets.ts';
import { fixturesDir } from '../support/shared.ts';
import { archiveFixtureHost } from './archive-fixture.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

let work: string;
let server: Server;
/** http://127.0.0.1:<port>/viewer/ */
let httpBase: string;
let context: BrowserContext;
let files: string[];

/** The build/viewer/ files, by the same map the store mounts at /viewer/. */
function serveViewer(): Promise<string> {
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const asset = path.startsWith('/viewer/') ? viewerAsset(path.slice('/viewer/'.length)) : null;
    if (!asset) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': asset.contentType }).end(await readFile(asset.file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/viewer/`)),
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  await buildViewer();
  httpBase = await serveViewer();
  work = await mkdtemp(join(tmpdir(), 'viewer-e2e-'));
  const parquet = join(work, '1725620000.parquet');
  await writeFile(parquet, await archiveFixtureHost());
  const walHost = join(fixturesDir(), 'checkpoints-wal/fritz/f0201');
  files = [join(walHost, '1725620000.bin'), join(walHost, 'current.wal'), parquet];
  await mkdir(OUTPUT, { recursive: true });
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 1400 },
  });
});

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the viewer build', () => {
  it('holds every file the store mounts', () => {
    for (const name of VIEWER_FILES) expect(existsSync(new URL(name, VIEWER_DIR)), name).toBe(true);
  });
});

describe.each([
  ['http', async () => httpBase],
  ['file', async () => pathToFileURL(fileURLToPath(new URL('index.html', VIEWER_DIR))).href],
])('the viewer page over %s', (scheme, address) => {
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    await page.goto(await address());
    // The .bin and the WAL lie outside a <cluster>/<host>/ folder: say whose they are.
    await page.fill('#cluster-input', 'fritz');
    await page.fill('#host-input', 'f0201');
    await page.setInputFiles('#file-input', files);
    await page.waitForFunction(() => /3 files read/.test(document.getElementById('progress-label')!.textContent ?? ''));
  });

  afterAll(async () => {
    await page?.close();
  });

  async function pick(cluster: string, host: string, level: string, metric: string): Promise<void> {
    await page.selectOption('#pick-cluster', cluster);
    await page.selectOption('#pick-host', host);
    await page.selectOption('#pick-level', level);
    await page.selectOption('#pick-metric', metric);
  }

  const texts = (selector: string) => page.locator(selector).allTextContents();

  it('decodes in a background worker and reports no error', async () => {
    expect(await page.textContent('#progress-label')).toMatch(/in a background worker/);
    expect(await page.locator('#errors li').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('lists every file with its format and what it held', async () => {
    const rows = await texts('#files tbody tr');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/1725620000\.bin.*bin.*fritz \/ f0201/);
    expect(rows[1]).toMatch(/1725620000\.parquet.*parquet.*fritz \/ f0202.*54 rows/);
    expect(rows[2]).toMatch(/current\.wal.*wal.*fritz \/ f0201.*15 samples.*cut short/);
  });

  it('offers the hosts and levels found', async () => {
    expect(await texts('#pick-host option')).toEqual(['f0201', 'f0202']);
    await page.selectOption('#pick-host', 'f0201');
    expect(await texts('#pick-level option')).toEqual([
      'node (host level)',
      'hwthread0',
      'hwthread1',
      'hwthread2',
      'hwthread3',
      'socket0',
      'socket1',
      'every level (7)',
    ]);
  });

  it('shows the snapshot and the WAL after it as one cpu_load series, gaps as gaps', async () => {
    await pick('fritz', 'f0201', '', 'cpu_load');
    // 60 snapshot slots (10 and 11 missing) then the 10 WAL samples 100..109.
    const expected = [...Array.from({ length: 60 }, (_, i) => (i === 10 || i === 11 ? NaN : i * 0.5)), ...Array.from({ length: 10 }, (_, i) => 100 + i)];
    const present = expected.filter((v) => !Number.isNaN(v));
    const avg = present.reduce((a, b) => a + b, 0) / present.length;
    const stats = page.locator('#stats tbody tr');
    expect(await stats.count()).toBe(1);
    expect(await stats.locator('td').allTextContents()).toEqual([
      'node',
      'cpu_load',
      '60 s',
      expect.any(String),
      expect.any(String),
      '68 / 70',
      String(Number(avg.toPrecision(6))),
      '0',
      '109',
      '1725620000.bin, current.wal',
    ]);
    const firstValues = await texts('#values tbody tr td:nth-child(2)');
    expect(firstValues).toEqual(['0', '0.5', '1', '1.5', '2', '2.5', '3', '3.5', '4', '4.5', '—', '—', '6', '6.5', '7', '7.5', '8', '8.5', '9', '9.5']);
    await expectChartDrawn('#0b63c5');
  });

  it('leaves the torn last WAL record out', async () => {
    await pick('fritz', 'f0201', 'hwthread0', 'cpu_user');
    const cells = await page.locator('#stats tbody tr td').allTextContents();
    // 60 snapshot values i mod 7, then 50..54 from the WAL; the torn 99 is not there.
    expect(cells.slice(5, 9)).toEqual(['65 / 65', String(Number(((sumMod7(60) + 50 + 51 + 52 + 53 + 54) / 65).toPrecision(6))), '0', '54']);
  });

  it('shows the Parquet archive with the host it names', async () => {
    await pick('fritz', 'f0202', '', 'cpu_load');
    // 2 + i*0.25, missing where i mod 5 = 4; the archive drops the missing ones, so its
    // series ends at i = 28, the last present sample.
    const values = Array.from({ length: 29 }, (_, i) => (i % 5 === 4 ? NaN : 2 + i * 0.25));
    const present = values.filter((v) => !Number.isNaN(v));
    const cells = await page.locator('#stats tbody tr td').allTextContents();
    expect(cells.slice(5, 10)).toEqual([
      `${present.length} / ${values.length}`,
      String(Number((present.reduce((a, b) => a + b, 0) / present.length).toPrecision(6))),
      '2',
      '9',
      '1725620000.parquet',
    ]);
    expect((await texts('#values tbody tr td:nth-child(2)')).slice(0, 6)).toEqual(['2', '2.25', '2.5', '2.75', '—', '3.25']);
  });

  it('overlays every level of a metric', async () => {
    await pick('fritz', 'f0201', '*', 'cpu_user');
    expect(await texts('#stats tbody tr td:first-child')).toEqual(['hwthread0', 'hwthread1', 'hwthread2', 'hwthread3']);
    expect(await texts('#stats tbody tr td:nth-child(9)')).toEqual(['54', '16', '26', '36']);
    await page.screenshot({ path: join(OUTPUT, `viewer-${scheme}-overlay.png`), fullPage: true });
  });

  it('draws the chart and saves a screenshot', async () => {
    await pick('fritz', 'f0201', '', 'cpu_load');
    await expectChartDrawn('#0b63c5');
    await page.screenshot({ path: join(OUTPUT, `viewer-${scheme}.png`), fullPage: true });
    expect(problems).toEqual([]);
  });

  /** The chart canvas holds a good stretch of pixels in the series colour: a line was drawn, not just axes. */
  async function expectChartDrawn(colour: string): Promise<void> {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    const painted = await page.evaluate(
      ([r, g, b]) => {
        const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas');
        if (!canvas) return -1;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          const near = Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40;
          if (near && data[i + 3] > 128) n++;
        }
        return n;
      },
      [r, g, b],
    );
    expect(painted).toBeGreaterThan(300);
  }
});

describe('the viewer page without Web Workers', () => {
  it('decodes in the page instead', async () => {
    const page = await context.newPage();
    try {
      await page.addInitScript(() => Reflect.deleteProperty(window, 'Worker'));
      await page.goto(httpBase);
      await page.setInputFiles('#file-input', files[2]);
      await page.waitForFunction(() => /1 file read/.test(document.getElementById('progress-label')!.textContent ?? ''));
      expect(await page.textContent('#progress-label')).toMatch(/read in this page; 2 series/);
      expect(await page.locator('#stats tbody tr td:nth-child(9)').allTextContents()).toEqual(['9']);
    } finally {
      await page.close();
    }
  });
});

describe('decoders.mjs, the decoding library as one ES module', () => {
  it('decodes a snapshot in a page that imports it from the store', async () => {
    const page = await context.newPage();
    try {
      await page.goto(httpBase);
      const bin = (await readFile(join(fixturesDir(), 'checkpoints-wal/fritz/f0201/1725620000.bin'))).toString('base64');
      // A string, not a function: vitest would rewrite a dynamic import() in test code.
      const got = await page.evaluate(`(async () => {
        const { decodeFile, seriesStats } = await import('./decoders.mjs');
        const bytes = Uint8Array.from(atob('${bin}'), (c) => c.charCodeAt(0));
        const file = await decodeFile('1725620000.bin', bytes, { relativePath: 'fritz/f0201/1725620000.bin' });
        const load = file.series.find((s) => s.metric === 'cpu_load');
        return { kind: file.kind, n: file.series.length, path: load.path, stats: seriesStats(load.values) };
      })()`);
      expect(got).toEqual({ kind: 'bin', n: 8, path: ['fritz', 'f0201'], stats: { count: 58, min: 0, max: 29.5, avg: 874.5 / 58 } });
    } finally {
      await page.close();
    }
  });
});

describe('the viewer page, opening a folder and taking a drop', () => {
  let page: Page;

  beforeAll(async () => {
    page = await context.newPage();
    await page.goto(pathToFileURL(fileURLToPath(new URL('index.html', VIEWER_DIR))).href);
  });

  afterAll(async () => {
    await page?.close();
  });

  it('names cluster and host of every file from the folder tree', async () => {
    await page.setInputFiles('#folder-input', join(fixturesDir(), 'checkpoints-wal'));
    await page.waitForFunction(() => /2 files read/.test(document.getElementById('progress-label')!.textContent ?? ''));
    expect(await page.locator('#files tbody tr td:nth-child(3)').allTextContents()).toEqual(['fritz / f0201', 'fritz / f0201']);
    await page.selectOption('#pick-level', '');
    await page.selectOption('#pick-metric', 'cpu_load');
    expect(await page.locator('#stats tbody tr td:nth-child(6)').allTextContents()).toEqual(['68 / 70']);
  });

  it('decodes files dropped on the page', async () => {
    const json = (await readFile(join(fixturesDir(), 'checkpoints-json/fritz/f0202/1725620000.json'))).toString('base64');
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], '1725620000.json'));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, json);
    await page.waitForFunction(() => document.querySelectorAll('#files tbody tr').length === 3);
    expect(await page.locator('#files tbody tr:last-child').textContent()).toMatch(/1725620000\.json.*json.*unknown \/ unknown/);
    expect(await page.locator('#pick-cluster option').allTextContents()).toEqual(['fritz', 'unknown']);
  });
});

/** Sum of i mod 7 over i = 0..n-1. */
function sumMod7(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i % 7;
  return s;
}

// The built viewer page in headless Chromium on the checkpoint of a node that booted with
// its clock at 1970: the store writes it as two pieces (a 1970 file and today's), and the
// page must show them as one series whose 56-year gap costs nothing: right stats, the
// first values of both pieces, a chart with its axis cut at the gap and a note saying so.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildViewer } from '../../scripts/build-viewer.mjs';
import { encodeBinSnapshot } from '../../src/persist/format/index.ts';
import { VIEWER_DIR } from '../../src/viewer/assets.ts';
import { lp, makeStore } from '../engine/helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
/** 2026-12-01 19:00:00 UTC. */
const TODAY = 1796151600;
/** Today's cpu_load: two hours at 60 s, slot 7 missing. */
const today = Array.from({ length: 120 }, (_, i) => (i === 7 ? NaN : 10 + (i % 5)));

let work: string;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

/** The checkpoint files the store writes for the node, as the checkpointer names them. */
async function writePieces(dir: string): Promise<string[]> {
  const store = makeStore();
  const lines = ['cpu_load,cluster=fritz,hostname=f0300 value=500 60', 'cpu_load,cluster=fritz,hostname=f0300 value=2 120'];
  today.forEach((v, i) => {
    if (!Number.isNaN(v)) lines.push(`cpu_load,cluster=fritz,hostname=f0300 value=${v} ${TODAY + i * 60}`);
  });
  store.ingest(lp(lines.join('\n')), 'fritz', TODAY + 7200);
  const { files } = store.exportHost('fritz', 'f0300', { unsavedOnly: false })!;
  expect(files).toHaveLength(2);
  await mkdir(dir, { recursive: true });
  const names = files.map((_, k) => `${TODAY + k}.bin`);
  for (const [k, root] of files.entries()) {
    await writeFile(join(dir, names[k]), encodeBinSnapshot({ from: TODAY, to: TODAY + 7200, root }));
  }
  return names;
}

let names: string[];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  await buildViewer();
  work = await mkdtemp(join(tmpdir(), 'viewer-gaps-'));
  names = await writePieces(join(work, 'checkpoints/fritz/f0300'));
  await mkdir(OUTPUT, { recursive: true });
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 1400 },
  });
  page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await page.goto(pathToFileURL(fileURLToPath(new URL('index.html', VIEWER_DIR))).href);
  await page.setInputFiles('#folder-input', join(work, 'checkpoints'));
  await page.waitForFunction(() => /2 files read/.test(document.getElementById('progress-label')!.textContent ?? ''));
  await page.selectOption('#pick-metric', 'cpu_load');
});

afterAll(async () => {
  await context?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the viewer page on a checkpoint in pieces (1970 and today)', () => {
  it('reads both pieces without an error and joins them into one series', async () => {
    expect(await page.locator('#errors li').count()).toBe(0);
    expect(await page.textContent('#progress-label')).toMatch(/2 files read .*; 1 series/);
    expect(problems).toEqual([]);
  });

  it('gives avg/min/max over both pieces, counting the samples out of the whole span', async () => {
    const present = [500, 2, ...today.filter((v) => !Number.isNaN(v))];
    const avg = present.reduce((a, b) => a + b, 0) / present.length;
    const cells = await page.locator('#stats tbody tr td').allTextContents();
    // The store's slots start half a frequency before their sample: 30 s in 1970, TODAY - 30 today.
    const span = (TODAY - 30 + 119 * 60 - 30) / 60 + 1;
    expect(cells.slice(5)).toEqual([`${present.length} / ${span}`, String(Number(avg.toPrecision(6))), '2', '500', names.join(', ')]);
  });

  it('lists the first values of the 1970 piece, the cut, then today\'s', async () => {
    const values = await page.locator('#values tbody tr td:nth-child(2)').allTextContents();
    const todays = today.slice(0, 17).map((v) => (Number.isNaN(v) ? '—' : String(v)));
    expect(values).toEqual(['500', '2', '—', ...todays]);
  });

  it('draws the chart with its time axis cut at the gap, and says which time it skips', async () => {
    expect(await page.textContent('#chart .chart-note')).toMatch(/skips the time between 1970-01-0\d .+ and 2026-12-0\d .+ \(no samples; dashed line\)/);
    const painted = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
      const { data, width } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let line = 0;
      const greyByColumn = new Array<number>(width).fill(0);
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 128 && Math.abs(r - 0x0b) < 40 && Math.abs(g - 0x63) < 40 && Math.abs(b - 0xc5) < 40) line++;
        if (a > 128 && r === g && g === b && Math.abs(r - 0x88) < 8) greyByColumn[(i / 4) % width]++;
      }
      return { line, dashedColumn: Math.max(...greyByColumn) };
    });
    await page.screenshot({ path: join(OUTPUT, 'viewer-gaps.png'), fullPage: true });
    // Today's two hours take most of the width instead of one pixel column of a 56-year axis.
    expect(painted.line).toBeGreaterThan(300);
    // The cut: one column of the plot half grey dashes.
    expect(painted.dashedColumn).toBeGreaterThan(80);
  });
});

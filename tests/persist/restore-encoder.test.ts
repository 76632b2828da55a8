// Restore with the worker that encodes sealed pieces ahead of loading
// (src/persist/restore-encoder.ts, assembly/load-blocks.ts): the store it
// fills holds, answers and exports exactly what a restore that encodes while
// loading gives, whatever the series look like.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LevelData, MetricStore, SeriesData, SeriesTable } from '../../src/engine/types.ts';
import { encodeBinSnapshot } from '../../src/persist/format/index.ts';
import { scanBinSnapshot } from '../../src/persist/format/bin-snapshot.ts';
import { DiskState } from '../../src/persist/disk-state.ts';
import { restore } from '../../src/persist/restore.ts';
import { RestoreEncoder } from '../../src/persist/restore-encoder.ts';
import { createStore, engineModule } from '../../src/runtime/engine-wasm.ts';
import type { Store } from '../../src/engine/store.ts';
import { TEST_METRICS } from '../support/fake-store.ts';
import { rng } from '../../bench/chunk-shapes.mjs';

const T0 = 1725620040;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Values of many shapes: decimal, full precision, constant, missing runs, all missing, NaN payloads. */
function values(n: number, kind: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(n);
  let x = r() * 100;
  for (let i = 0; i < n; i++) {
    if (kind === 0) v[i] = Math.round((x += r() - 0.5) * 100) / 100;
    else if (kind === 1) v[i] = Math.sin(seed + i / 37) * 1e3;
    else if (kind === 2) v[i] = 42.5;
    else if (kind === 3) v[i] = i % 600 < 520 ? NaN : i;
    else v[i] = r() < 0.1 ? NaN : r() * 1e6;
  }
  if (kind === 4 && n > 3) new Uint32Array(v.buffer)[3] = 0x7fc00001;
  return v;
}

function series(n: number, kind: number, seed: number, start = T0, frequency = 60): SeriesData {
  return { frequency, start, values: values(n, kind, seed) };
}

/** A host's file: lengths around the chunk size, an unknown metric first, another frequency, children. */
function hostLevel(h: number, start = T0, scale = 1): LevelData {
  const lengths = [1, 511, 512, 513, 1024, 1025, 2000, 3000].map((n) => Math.max(1, Math.round(n * scale)));
  const level = (k: number): LevelData => ({
    metrics: new Map<string, SeriesData>([
      ['no_such_metric', series(lengths[(k + 6) % 8], 1, h * 100 + k)],
      ['cpu_load', series(lengths[k % 8], k % 5, h * 100 + k + 1, start)],
      ['mem_used', series(lengths[(k + 3) % 8], (k + 1) % 5, h * 100 + k + 2, start)],
      ['cpu_user', series(lengths[(k + 5) % 8], (k + 2) % 5, h * 100 + k + 3, start, 120)],
      ['mem_bw', series(lengths[(k + 6) % 8], (k + 3) % 5, h * 100 + k + 4, start)],
    ]),
    children: new Map(),
  });
  const root = level(0);
  for (let t = 0; t < 6; t++) root.children.set(`hwthread${t}`, level(t + 1));
  return root;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccms-restore-encoder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeHost(h: number, name: number, level: LevelData): void {
  const d = join(dir, 'fritz', `n${h}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `${name}.bin`), encodeBinSnapshot({ from: name, to: name + 86400, root: level }));
}

/** Restores `dir` into a new store; counts the tables that came with blocks. */
async function restored(encoder: RestoreEncoder | null): Promise<{ store: Store; withBlocks: number }> {
  const store = await createStore({ metrics: TEST_METRICS, wal: true });
  let withBlocks = 0;
  const load = store.loadTable.bind(store);
  store.loadTable = (c: string, h: string, t: SeriesTable) => {
    if (t.blocks) withBlocks++;
    load(c, h, t);
  };
  await restore({ store, root: dir, restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, encoder });
  return { store, withBlocks };
}

function snapshot(store: MetricStore, hosts: number): unknown {
  const out: unknown[] = [store.stats()];
  for (let h = 0; h < hosts; h++) {
    const e = store.exportHost('fritz', `n${h}`, { unsavedOnly: false });
    out.push(e?.files.map((root) => createHash('sha256').update(encodeBinSnapshot({ from: 0, to: 0, root })).digest('hex')));
    const q = store.query({
      cluster: 'fritz', from: T0, to: T0 + 400_000, 'with-stats': true, 'with-padding': false,
      queries: [{ metric: 'cpu_load', host: `n${h}` }, { metric: 'mem_bw', host: `n${h}`, 'type-ids': ['0', '3'], type: 'hwthread', aggreg: true }],
    });
    out.push(new TextDecoder().decode(q));
  }
  return out;
}

describe('restore with the encoding worker', () => {
  it('fills the store exactly as a restore that encodes while loading', async () => {
    const hosts = 4;
    for (let h = 0; h < hosts; h++) {
      writeHost(h, T0 - 40, hostLevel(h));
      // A later file that continues the series on their grid, and one off it: pieces that do not start a chunk.
      if (h % 2 === 1) writeHost(h, T0 - 40 + 3000 * 60, hostLevel(h + 10, T0 + 3000 * 60, 0.5));
      if (h === 2) writeHost(h, T0 - 40 + 3100 * 60, hostLevel(h + 20, T0 + 3100 * 60 + 17, 0.7));
    }
    const encoder = RestoreEncoder.start(await engineModule(), { wait: true });
    expect(encoder).not.toBeNull();
    expect(await encoder!.ready).toBe(true);
    try {
      const withWorker = await restored(encoder);
      const without = await restored(null);
      expect(withWorker.withBlocks).toBeGreaterThanOrEqual(hosts);
      expect(without.withBlocks).toBe(0);
      expect(withWorker.store.stats().sealedChunks).toBeGreaterThan(0);
      expect(snapshot(withWorker.store, hosts)).toEqual(snapshot(without.store, hosts));
    } finally {
      encoder!.close();
    }
  });

  it('starts and ends a worker of its own when asked to, with the same result', async () => {
    for (let h = 0; h < 3; h++) writeHost(h, T0 - 40, hostLevel(h));
    const store = await createStore({ metrics: TEST_METRICS, wal: true });
    await restore({ store, root: dir, restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, encoder: true });
    expect(snapshot(store, 3)).toEqual(snapshot((await restored(null)).store, 3));
  });

  it('loads every file without blocks once the worker is gone', async () => {
    for (let h = 0; h < 3; h++) writeHost(h, T0 - 40, hostLevel(h));
    const encoder = RestoreEncoder.start(await engineModule(), { wait: true })!;
    expect(await encoder.ready).toBe(true);
    // The worker dies with the first file in its hands.
    const encode = encoder.encode.bind(encoder);
    encoder.encode = (table) => {
      const job = encode(table);
      encoder.fail();
      return job;
    };
    const store = await createStore({ metrics: TEST_METRICS, wal: true });
    const load = store.loadTable.bind(store);
    let tables = 0;
    store.loadTable = (c: string, h: string, t: SeriesTable) => {
      tables++;
      expect(t.blocks).toBeUndefined();
      load(c, h, t);
    };
    const summary = await restore({ store, root: dir, restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, encoder });
    expect(summary.failedFiles).toBe(0);
    expect(tables).toBe(3);
    expect(snapshot(store, 3)).toEqual(snapshot((await restored(null)).store, 3));
  });

  it('does not wait for blocks that are not there yet, and has the worker skip them', async () => {
    const bytes = encodeBinSnapshot({ from: T0 - 40, to: T0 + 86400, root: hostLevel(2) });
    const encoder = RestoreEncoder.start(await engineModule())!;
    try {
      expect(await encoder.ready).toBe(true);
      const table = scanBinSnapshot(bytes).table;
      const jobs = Array.from({ length: 4 }, () => encoder.encode(table));
      expect(jobs[3].blocks()).toBeUndefined();
      // Skipped: settles without blocks, whether or not the worker got to it.
      jobs[3].skip();
      await Promise.all(jobs.map((j) => j.done));
      expect(jobs[3].blocks()).toBeNull();
      expect(jobs[0].blocks()).toBeInstanceOf(Uint8Array);
    } finally {
      encoder.close();
    }
  });

  it('takes blocks only for the bytes and pieces they were made of', async () => {
    const bytes = encodeBinSnapshot({ from: T0 - 40, to: T0 + 86400, root: hostLevel(1) });
    const table = scanBinSnapshot(bytes).table;
    const encoder = RestoreEncoder.start(await engineModule())!;
    try {
      expect(await encoder.ready).toBe(true);
      const job = encoder.encode(table);
      const fresh = table;
      await job.done;
      const blocks = job.blocks()!;
      expect(blocks).toBeInstanceOf(Uint8Array);
      const back = { blocks };
      const plain = await createStore({ metrics: TEST_METRICS, wal: true });
      plain.loadTable('fritz', 'n1', fresh);
      const withBlocks = await createStore({ metrics: TEST_METRICS, wal: true });
      withBlocks.loadTable('fritz', 'n1', { ...fresh, blocks: back.blocks! });
      // A directory cut short is not used at all; blocks cut short are not used past their end.
      const cut = await createStore({ metrics: TEST_METRICS, wal: true });
      cut.loadTable('fritz', 'n1', { ...fresh, blocks: back.blocks!.subarray(0, 6) });
      const shortData = await createStore({ metrics: TEST_METRICS, wal: true });
      shortData.loadTable('fritz', 'n1', { ...fresh, blocks: back.blocks!.subarray(0, back.blocks!.length - 100) });
      const expected = snapshot(plain, 2);
      expect(snapshot(withBlocks, 2)).toEqual(expected);
      expect(snapshot(cut, 2)).toEqual(expected);
      expect(snapshot(shortData, 2)).toEqual(expected);
      expect(withBlocks.stats().sealedChunks).toBeGreaterThan(0);
    } finally {
      encoder.close();
    }
  });
});

// Restore on two threads (src/persist/restore-worker.ts, assembly/load-blocks.ts)
// against restore on one: the same directories restored once with the worker
// encoding every `.bin` ahead and once without it give the same store, to the
// byte: every query answer (all metrics, all levels, stats, aggregations,
// rollups), the statistics and /api/debug's dump, the checkpoint files an
// export writes afterwards, the WAL replay and what the restore left on disk.
// The directories hold generator data (bench/data/generator.mjs) and the
// cases that take loading off its straight path: gaps and all-missing chunks,
// series of every length around the chunk and page sizes, another frequency
// than configured, several files per host (continuing on the grid, off it,
// overlapping), a `.json` host, a host whose files need repairing, WAL
// records (new, overwriting, late), and a memory cap hit mid-restore.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.ts';
import type { LevelData, MetricTable, QuerySpec, SeriesData, SeriesTable } from '../../src/engine/types.ts';
import { DiskState } from '../../src/persist/disk-state.ts';
import { encodeBinSnapshot, encodeJsonCheckpoint, encodeWalRecords, walFileHeader } from '../../src/persist/format/index.ts';
import type { WalSample } from '../../src/persist/format/wal.ts';
import { restore } from '../../src/persist/restore.ts';
import { RestoreWorker } from '../../src/persist/restore-worker.ts';
import { ReadBuffers } from '../../src/persist/read-buffers.ts';
import { scanBinSnapshot } from '../../src/persist/format/bin-snapshot.ts';
import { loadBlocksRoom } from '../../src/engine/load-blocks-room.ts';
import { seriesValues } from '../../bench/data/generator.mjs';
import { engineModule } from '../engine/helpers.ts';

const T0 = 1_725_620_040;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const METRICS: MetricTable = {
  load_one: { frequency: 60, aggregation: null },
  mem_used: { frequency: 60, aggregation: null },
  ib_recv: { frequency: 60, aggregation: null },
  mem_total: { frequency: 60, aggregation: null },
  // Files hold it at 60 s: loaded sample by sample.
  net_bytes_in: { frequency: 120, aggregation: null },
  cpu_user: { frequency: 60, aggregation: 'avg' },
  flops_any: { frequency: 60, aggregation: 'sum' },
  cpufreq: { frequency: 60, aggregation: 'avg' },
  mem_bw: { frequency: 60, aggregation: 'sum' },
};
const NODE: Array<[string, string]> = [['load_one', 'load'], ['mem_used', 'memory-gb'], ['ib_recv', 'counter'], ['mem_total', 'constant'], ['net_bytes_in', 'net-rate']];
const THREAD: Array<[string, string]> = [['cpu_user', 'percent-busy'], ['flops_any', 'flops'], ['cpufreq', 'clock']];
const LENGTHS = [2880, 1, 63, 64, 65, 511, 512, 513, 1024, 1100, 2000];

function values(kind: string, n: number, seed: number, gaps: boolean): Float32Array {
  const v = seriesValues(kind, n, seed) as Float32Array;
  // Runs of missing samples, one of them a whole chunk (no chunk is made for it).
  if (gaps) for (let i = 0; i < n; i++) if ((i >= 520 && i < 1100) || i % 97 === 5) v[i] = NaN;
  return v;
}

function hostLevel(h: number, start: number, n: number, gaps = h % 3 === 0): LevelData {
  const series = (kind: string, len: number, seed: number): SeriesData => ({ frequency: 60, start, values: values(kind, len, seed, gaps) });
  const root: LevelData = { metrics: new Map(), children: new Map() };
  NODE.forEach(([m, kind], j) => root.metrics.set(m, series(kind, n, h * 1000 + j)));
  for (let t = 0; t < 8; t++) {
    const level: LevelData = { metrics: new Map(), children: new Map() };
    THREAD.forEach(([m, kind], j) => level.metrics.set(m, series(kind, t === 0 ? n : Math.min(n, LENGTHS[(t + j + h) % LENGTHS.length]), h * 1000 + 100 + 8 * t + j)));
    root.children.set(`hwthread${t}`, level);
  }
  for (let s = 0; s < 2; s++) {
    root.children.set(`socket${s}`, { metrics: new Map([['mem_bw', series('bandwidth', n, h * 1000 + 500 + s)]]), children: new Map() });
  }
  return root;
}

let template: string;
let work: string;
const HOSTS = 11;

function hostDir(root: string, h: number): string {
  const d = join(root, 'fritz', `n${h}`);
  mkdirSync(d, { recursive: true });
  return d;
}

function writeBin(root: string, h: number, number: number, level: LevelData, to = number + 200_000): void {
  writeFileSync(join(hostDir(root, h), `${number}.bin`), encodeBinSnapshot({ from: number, to, root: level }));
}

function writeWal(root: string, h: number, samples: WalSample[]): void {
  const records = encodeWalRecords(samples);
  const out = new Uint8Array(4 + records.length);
  out.set(walFileHeader());
  out.set(records, 4);
  writeFileSync(join(hostDir(root, h), 'current.wal'), out);
}

beforeAll(() => {
  template = mkdtempSync(join(tmpdir(), 'ccms-restore-threads-'));
  work = mkdtempSync(join(tmpdir(), 'ccms-restore-threads-work-'));
  const dir = join(template, 'dir');
  for (let h = 0; h < 6; h++) writeBin(dir, h, T0 - 40, hostLevel(h, T0, 2880));
  // Two files on one grid: the second continues the first's newest chunks.
  writeBin(dir, 6, T0 - 40, hostLevel(6, T0, 1500));
  writeBin(dir, 6, T0 - 40 + 1500 * 60, hostLevel(60, T0 + 1500 * 60, 1380));
  // A second file off the first's grid and overlapping it (merged), a third past both.
  writeBin(dir, 7, T0 - 40, hostLevel(7, T0, 2000));
  writeBin(dir, 7, T0 - 40 + 1000 * 60, hostLevel(70, T0 + 1000 * 60 + 17, 1200));
  writeBin(dir, 7, T0 - 40 + 2500 * 60, hostLevel(71, T0 + 2600 * 60 + 29, 700));
  // A `.json` host.
  const json = hostLevel(8, T0, 2880);
  writeFileSync(join(hostDir(dir, 8), `${T0 - 40}.json`), encodeJsonCheckpoint({ from: T0 - 40, to: T0 + 200_000, root: json }));
  // A host whose older file holds series the later one starts earlier (repaired on restore).
  writeBin(dir, 9, T0 - 40 + 1000 * 60, hostLevel(9, T0 + 1000 * 60, 1880));
  writeBin(dir, 9, T0 - 40 + 1001 * 60, hostLevel(90, T0, 2880));
  writeBin(dir, 10, T0 - 40, hostLevel(10, T0, 2880, true));
  // WAL records: new samples past the files, overwrites inside them, late ones before them.
  for (const h of [0, 6, 7, 10]) {
    const samples: WalSample[] = [];
    for (let i = 0; i < 200; i++) {
      samples.push({ ts: T0 + (2880 + i) * 60 + 5, metric: 'cpu_user', path: [`hwthread${i % 8}`], value: i / 4 });
      samples.push({ ts: T0 + (i * 13) * 60 + 1, metric: 'load_one', path: [], value: i });
      samples.push({ ts: T0 - (i + 1) * 60, metric: 'mem_bw', path: ['socket1'], value: i * 3 });
    }
    writeWal(dir, h, samples);
  }
});

afterAll(() => {
  rmSync(template, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

interface Restored {
  store: Store;
  root: string;
  /** Tables that came with blocks from the worker. */
  withBlocks: number;
  summary: unknown;
}

let runs = 0;
async function restored(worker: RestoreWorker | null, shardMemoryLimit?: number): Promise<Restored> {
  // A fresh copy each time: a restore repairs files and cuts WALs.
  const root = join(work, `run${runs++}`);
  cpSync(join(template, 'dir'), root, { recursive: true });
  const store = Store.fromModule(engineModule, { metrics: METRICS, wal: true, shardMemoryLimit });
  let withBlocks = 0;
  const load = store.loadTable.bind(store);
  store.loadTable = (c: string, h: string, t: SeriesTable) => {
    if (t.blocks) withBlocks++;
    load(c, h, t);
  };
  const { seconds: _, ...summary } = await restore({ store, root, restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, worker });
  return { store, root, withBlocks, summary };
}

function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file below `root`, with its bytes' hash. */
function files(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, `${rel}${e}/`);
      else out[`${rel}${e}`] = digest(readFileSync(p));
    }
  };
  walk(root, '');
  return out;
}

function snapshot(r: Restored): unknown {
  const { store } = r;
  const out: Record<string, unknown> = { summary: r.summary, statsAfterRestore: store.stats(), hosts: store.hosts(), debug: store.debugDump([]) };
  const dec = new TextDecoder();
  const answers: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const host = `n${h}`;
    const queries: QuerySpec[] = [];
    for (const [m] of NODE) queries.push({ metric: m, host });
    for (const [m] of THREAD) {
      queries.push({ metric: m, host, type: 'hwthread', 'type-ids': ['0', '1', '2', '3', '4', '5', '6', '7'] });
      queries.push({ metric: m, host, type: 'hwthread', 'type-ids': ['0', '3', '5', '7'], aggreg: true });
      queries.push({ metric: m, host, type: 'hwthread', 'type-ids': ['1', '2'], aggreg: true, resolution: 600 });
    }
    queries.push({ metric: 'mem_bw', host, type: 'socket', 'type-ids': ['0', '1'] });
    queries.push({ metric: 'mem_bw', host, type: 'socket', 'type-ids': ['0', '1'], aggreg: true, resolution: 3600 });
    for (const [from, to] of [[T0 - 20_000, T0 + 400_000], [T0 + 30_000, T0 + 90_000]]) {
      answers.push(dec.decode(store.query({ cluster: 'fritz', from, to, 'with-stats': true, 'with-padding': false, queries })));
      answers.push(dec.decode(store.query({ cluster: 'fritz', from, to, 'with-stats': true, 'with-padding': true, 'with-data': false, queries })));
    }
  }
  out.answers = answers;
  out.statsAfterQueries = store.stats();
  const exports: unknown[] = [];
  for (let h = 0; h < HOSTS; h++) {
    for (const unsavedOnly of [true, false]) {
      const e = store.exportHost('fritz', `n${h}`, { unsavedOnly });
      exports.push(e?.files.map((root) => digest(encodeBinSnapshot({ from: T0, to: T0 + 200_000, root }))) ?? null);
      if (unsavedOnly) e?.commit();
    }
  }
  out.exports = exports;
  out.files = files(r.root);
  out.statsAfterExport = store.stats();
  return out;
}

describe('restore on two threads', () => {
  it('fills the store exactly as a restore on one thread, file for file', async () => {
    const worker = RestoreWorker.start(engineModule, { wait: true });
    expect(worker).not.toBeNull();
    try {
      const two = await restored(worker);
      const one = await restored(null);
      // Every .bin loaded as a table came with blocks (the repaired host's files are loaded as trees).
      expect(two.withBlocks).toBe(12);
      expect(one.withBlocks).toBe(0);
      // And the repaired host's two, which it encoded before the repair turned them into trees.
      expect(worker!.whole).toBe(14);
      const s = two.store.stats();
      expect(s.sealedChunks).toBeGreaterThan(500);
      expect(s.rollupBytes).toBe(0);
      const a = snapshot(two);
      const b = snapshot(one);
      expect((a as { statsAfterQueries: { rollupBytes: number } }).statsAfterQueries.rollupBytes).toBeGreaterThan(0);
      expect(a).toEqual(b);
    } finally {
      worker?.close();
    }
  });

  it('runs out of memory at the same place when a memory cap is hit mid-restore', async () => {
    const full = await restored(null);
    const cap = Math.floor(full.store.stats().usedBytes * 0.6);
    const worker = RestoreWorker.start(engineModule, { wait: true });
    try {
      const two = await restored(worker, cap);
      const one = await restored(null, cap);
      expect(two.withBlocks).toBeGreaterThan(0);
      expect(two.store.stats().usedBytes).toBeLessThan(full.store.stats().usedBytes * 0.7);
      expect(snapshot(two)).toEqual(snapshot(one));
    } finally {
      worker?.close();
    }
  });

  it('takes part of a file\'s blocks as exactly as all of them', async () => {
    const worker = RestoreWorker.start(engineModule, { wait: true, maxRuns: 2, runBytes: 4096 });
    try {
      const two = await restored(worker);
      const one = await restored(null);
      expect(two.withBlocks).toBe(12);
      expect(worker!.partial).toBe(14);
      expect(snapshot(two)).toEqual(snapshot(one));
    } finally {
      worker?.close();
    }
  });

  it('makes no blocks of a file that is no longer the one loading read', async () => {
    const worker = RestoreWorker.start(engineModule, { wait: true })!;
    try {
      const path = join(template, 'dir', 'fritz', 'n0', `${T0 - 40}.bin`);
      const buffers = new ReadBuffers();
      const { bytes, identity } = await buffers.readFile(path);
      const { table } = scanBinSnapshot(bytes);
      expect(worker.submit(table, loadBlocksRoom(bytes.length), path, identity)!.take()!.length).toBeGreaterThan(1000);
      expect(worker.submit(table, loadBlocksRoom(bytes.length), path, { ...identity, mtimeMs: identity.mtimeMs + 1 })!.take()).toBeNull();
      expect(worker.submit(table, loadBlocksRoom(bytes.length), path, { ...identity, ino: identity.ino + 1 })!.take()).toBeNull();
    } finally {
      worker.close();
    }
  });

  it('goes on without blocks when the worker fails', async () => {
    const worker = RestoreWorker.start(engineModule, { wait: true })!;
    worker.fail(new Error('test'));
    const two = await restored(worker);
    const one = await restored(null);
    expect(two.withBlocks).toBe(0);
    expect(snapshot(two)).toEqual(snapshot(one));
  });
});

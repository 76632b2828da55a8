// The persistence contract: exportHost gives one series per (level, metric)
// and file (a series with gaps: one piece per file, see export-pieces.test.ts),
// commit marks exactly what was exported as saved, loadHost brings files back
// (chunks of at most 512 slots, saved, the newest with room to grow), writeSamples
// replays a WAL.
import { describe, expect, it } from 'vitest';
import type { HostExport, LevelData, QueryRequest, SeriesData } from '../../src/engine/types.ts';
import { seriesTableOf } from '../../src/engine/codec.ts';
import { levelOf, lp, makeStore, queryJson, read, seriesOf } from './helpers.ts';

const T = 1725620400;
type Store = ReturnType<typeof makeStore>;

function series(start: number, values: number[], frequency = 60): SeriesData {
  return { frequency, start, values: Float32Array.from(values) };
}

/** The one file of an export without gaps. */
function only(e: HostExport | null): LevelData {
  expect(e!.files).toHaveLength(1);
  return e!.files[0];
}

function level(metrics: Record<string, SeriesData>, children: Record<string, LevelData> = {}): LevelData {
  return { metrics: new Map(Object.entries(metrics)), children: new Map(Object.entries(children)) };
}

function chunks(s: Store, host: string, metric: string, path: string[] = []) {
  let node = JSON.parse(s.debugDump(['fritz', host])!).data;
  for (const p of path) node = node[p];
  return node[metric];
}

function varied(): Store {
  const s = makeStore();
  const lines: string[] = [];
  for (let i = 0; i < 1300; i++) {
    if (i % 97 === 5) continue;
    lines.push(`cpu_load,cluster=fritz,hostname=h value=${i / 4} ${T + i * 60}`);
    lines.push(`cpu_user,cluster=fritz,hostname=h,type=hwthread,type-id=${i % 3} value=${i} ${T + i * 60}`);
  }
  // a gap that opens a new chunk off the grid of the older ones
  for (let i = 0; i < 10; i++) lines.push(`cpu_load,cluster=fritz,hostname=h value=${1000 + i} ${T + 2000 * 60 + 17 + i * 60}`);
  s.ingest(lp(lines.join('\n')), 'fritz', T);
  return s;
}

const QUERIES: QueryRequest = {
  cluster: 'fritz', from: T - 600, to: T + 2100 * 60,
  queries: [{ metric: 'cpu_load', host: 'h' }, { metric: 'cpu_user', host: 'h' }, { metric: 'cpu_user', host: 'h', type: 'hwthread', 'type-ids': ['0', '1', '2'] }],
};

describe('export and load', () => {
  it('round-trips a host: the loaded store gives the same answers', () => {
    const a = varied();
    const exported = a.exportHost('fritz', 'h', { unsavedOnly: false })!;
    const b = makeStore();
    // the gap before the last ten samples is wider than a chunk: two files
    expect(exported.files).toHaveLength(2);
    for (const file of exported.files) b.loadHost('fritz', 'h', file);
    expect(queryJson(b, QUERIES)).toEqual(queryJson(a, QUERIES));
    expect(b.exportHost('fritz', 'h', { unsavedOnly: false })!.files).toEqual(exported.files);
  });

  it('places later chunks at the nearest slot of the first chunk grid when the gap is at most a chunk', () => {
    const s = makeStore();
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=1 ${T}\ncpu_load,cluster=fritz,hostname=h value=2 ${T + 512 * 60 + 40}\n`), 'fritz', T);
    const got = seriesOf(s, 'fritz', 'h', [], 'cpu_load')!;
    // s1 = T-30; s2 = T+512*60+10: k = floor((s2 - s1 + 30) / 60) = 513; the gap after slot 0 is 512 slots
    expect(got.start).toBe(T - 30);
    expect(got.values.length).toBe(514);
    expect([got.values[0], got.values[513]]).toEqual([1, 2]);
    expect(got.values.slice(1, 513).every(Number.isNaN)).toBe(true);
  });

  it('loads a series as chunks of at most 512 slots, marked saved; the newest keeps room to grow', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', level({ cpu_load: series(T, Array.from({ length: 1200 }, (_, i) => i)) }));
    expect(chunks(s, 'h', 'cpu_load')).toEqual([
      { start: T, len: 512, end: T + 512 * 60, saved: true },
      { start: T + 512 * 60, len: 512, end: T + 1024 * 60, saved: true },
      { start: T + 1024 * 60, len: 176, end: T + 1200 * 60, saved: true },
    ]);
    // the next write continues the newest chunk, as it would have before a restart (ours)
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=7 ${T + 1200 * 60 + 30}\n`), 'fritz', T);
    expect(chunks(s, 'h', 'cpu_load').at(-1)).toEqual({ start: T + 1024 * 60, len: 177, end: T + 1201 * 60 });
    expect(only(s.exportHost('fritz', 'h', { unsavedOnly: true })).metrics.get('cpu_load')).toEqual(series(T + 1200 * 60, [7]));
  });

  it('continues the newest loaded chunk with the next file of the series on its grid', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', level({ cpu_load: series(T, [1, 2, 3]) }));
    s.loadHost('fritz', 'h', level({ cpu_load: series(T + 5 * 60, [6, 7]) }));
    expect(chunks(s, 'h', 'cpu_load')).toEqual([{ start: T, len: 7, end: T + 7 * 60, saved: true }]);
    expect(read(s, 'fritz', 'h', 'cpu_load', T, T + 600).data).toEqual([1, 2, 3, null, null, 6, 7]);
    // off its grid, the next file's piece follows it, and the chunk's room ends where the piece starts
    s.loadHost('fritz', 'h', level({ cpu_load: series(T + 9 * 60 + 20, [10]) }));
    expect(chunks(s, 'h', 'cpu_load')).toEqual([
      { start: T, len: 7, end: T + 7 * 60, saved: true },
      { start: T + 9 * 60 + 20, len: 1, end: T + 10 * 60 + 20, saved: true },
    ]);
    for (let phase = 0; phase < 60; phase += 5) {
      expect(read(s, 'fritz', 'h', 'cpu_load', T + phase, T + 600 + phase).data.filter((v: number | null) => v !== null)).toEqual([1, 2, 3, 6, 7, 10]);
    }
  });

  it('answers the same after checkpoints mid-chunk and a restart, also for the samples that follow', () => {
    const live = makeStore();
    const at = (i: number) => T + i * 60 + ((i * 37) % 41) - 20; // jittered
    const body = (from: number, to: number) => lp(Array.from({ length: to - from }, (_, k) => `cpu_load,cluster=fritz,hostname=h value=${from + k} ${at(from + k)}`).join('\n'));
    // two checkpoint files, both ending inside the first chunk
    const files: LevelData[] = [];
    for (const [from, to] of [[0, 300], [300, 450]]) {
      live.ingest(body(from, to), 'fritz', T);
      const e = live.exportHost('fritz', 'h', { unsavedOnly: true })!;
      e.commit();
      files.push(only(e));
    }
    const restored = makeStore();
    for (const file of files) restored.loadHost('fritz', 'h', file);
    expect(chunks(restored, 'h', 'cpu_load')).toEqual(chunks(live, 'h', 'cpu_load'));
    // the tail after the last checkpoint (a WAL replay, or live ingest), past the chunk's end
    for (const s of [live, restored]) s.ingest(body(450, 560), 'fritz', T);
    expect(chunks(restored, 'h', 'cpu_load')).toEqual(chunks(live, 'h', 'cpu_load'));
    for (let phase = -30; phase < 30; phase += 3) {
      const q: QueryRequest = { cluster: 'fritz', from: T + phase, to: T + 600 * 60, queries: [{ metric: 'cpu_load', host: 'h' }] };
      expect(queryJson(restored, q)).toEqual(queryJson(live, q));
    }
  });

  it('loads a table as it loads the tree it was made of', () => {
    const a = varied();
    const [older, tree] = a.exportHost('fritz', 'h', { unsavedOnly: false })!.files;
    const fromTree = makeStore();
    fromTree.loadHost('fritz', 'h', older);
    fromTree.loadHost('fritz', 'h', tree);
    const fromTable = makeStore();
    fromTable.loadTable('fritz', 'h', seriesTableOf(older));
    fromTable.loadTable('fritz', 'h', seriesTableOf(tree));
    expect(queryJson(fromTable, QUERIES)).toEqual(queryJson(a, QUERIES));
    expect(fromTable.debugDump(['fritz', 'h'])).toBe(fromTree.debugDump(['fritz', 'h']));
  });

  it('skips table entries that point outside the bytes or carry numbers out of range', () => {
    const s = makeStore();
    const table = seriesTableOf(level({ cpu_load: series(T, [1, 2]), mem_used: series(T, [3]), flops_any: series(T, [4]), fast: series(T, [5], 1) }, { s0: level({ mem_bw: series(T, [6]) }) }));
    table.valueCount[0] = 1_000_000; // past the end of the bytes
    table.frequency[1] = 0.5;
    table.start[2] = 2 ** 60;
    table.levelNameAt[0] = table.bytes.length; // the level's name is not in the bytes: the level and its series go
    s.loadTable('fritz', 'h', table);
    const got = levelOf(s, 'fritz', 'h')!;
    expect([...got.metrics.keys()]).toEqual(['fast']);
    expect(got.children.size).toBe(0);
  });

  it('frees the pages of loaded chunks one by one, as it frees pages of written ones', () => {
    const s = makeStore();
    const used = () => s.stats().usedBytes;
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=other value=1 ${T}\n`), 'fritz', T);
    const before = used();
    // 1..8 pages per chunk, and a chunk of 512
    for (let n = 1; n <= 9; n++) s.loadHost('fritz', 'h', level({}, { [`t${n}`]: level({ cpu_load: series(T, Array.from({ length: n === 9 ? 512 : n * 64 - 3 }, (_, i) => i)) }) }));
    expect(used()).toBeGreaterThan(before);
    s.free(['fritz', 'h'], T + 10_000_000);
    const afterFree = used();
    // the level blocks stay (free keeps levels); the same data again reuses every freed page
    for (let n = 1; n <= 9; n++) s.loadHost('fritz', 'h', level({}, { [`t${n}`]: level({ cpu_load: series(T, Array.from({ length: n === 9 ? 512 : n * 64 - 3 }, (_, i) => i)) }) }));
    const memory = s.stats().memoryBytes;
    s.free(['fritz', 'h'], T + 10_000_000);
    expect(used()).toBe(afterFree);
    expect(s.stats().memoryBytes).toBe(memory);
  });

  it('exports only what is not on disk, and commit marks exactly the export as saved', () => {
    const s = makeStore();
    const w = (v: number, i: number) => s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=${v} ${T + i * 60}\n`), 'fritz', T);
    for (let i = 0; i < 5; i++) w(i, i);
    const first = s.exportHost('fritz', 'h', { unsavedOnly: true })!;
    expect(only(first).metrics.get('cpu_load')).toEqual(series(T - 30, [0, 1, 2, 3, 4]));
    // after the export, before the commit: one new sample, one overwrite of an exported slot
    w(5, 5);
    w(-2, 2);
    first.commit();
    expect(only(s.exportHost('fritz', 'h', { unsavedOnly: true })).metrics.get('cpu_load')).toEqual(series(T - 30 + 120, [-2, 3, 4, 5]));
  });

  it('makes a saved part unsaved again when it is written', () => {
    const s = makeStore();
    for (let i = 0; i < 600; i++) s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=${i} ${T + i * 60}\n`), 'fritz', T);
    s.exportHost('fritz', 'h', { unsavedOnly: true })!.commit();
    // nothing unsaved: no file at all
    expect(s.exportHost('fritz', 'h', { unsavedOnly: true })!.files).toEqual([]);
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=-1 ${T + 100 * 60}\n`), 'fritz', T);
    const again = only(s.exportHost('fritz', 'h', { unsavedOnly: true })).metrics.get('cpu_load')!;
    expect(again.start).toBe(T - 30 + 100 * 60);
    expect(again.values.length).toBe(500);
    expect([again.values[0], again.values[1], again.values[499]]).toEqual([-1, 101, 599]);
  });

  it('ignores a commit when chunks were freed in between', () => {
    const s = makeStore();
    for (let i = 0; i < 600; i++) s.ingest(lp(`cpu_load,cluster=fritz,hostname=h value=${i} ${T + i * 60}\n`), 'fritz', T);
    const e = s.exportHost('fritz', 'h', { unsavedOnly: true })!;
    expect(s.free(['fritz', 'h'], T + 513 * 60)).toBe(1);
    e.commit();
    expect(only(s.exportHost('fritz', 'h', { unsavedOnly: true })).metrics.get('cpu_load')!.values.length).toBe(88);
  });

  it('merges a loaded entry that overlaps what is held: later entries win per slot, NaN erases nothing', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', level({ cpu_load: series(T - 30, [1, 2, 3, 4]) }));
    s.loadHost('fritz', 'h', level({ cpu_load: series(T - 30 + 120, [30, NaN, 50]) }));
    s.loadHost('fritz', 'h', level({ cpu_load: series(T - 30 - 120, [-2, -1]) }));
    expect(read(s, 'fritz', 'h', 'cpu_load', T - 600, T + 600).data).toEqual([-2, -1, 1, 2, 30, 4, 50]);
  });

  it('places samples of a file with another frequency by their time', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', level({ cpu_load: series(T - 15, [1, 2, 3, 4], 30) }));
    // 30 s samples at T, T+30, T+60, T+90 are written like ingest: the first opens a
    // chunk at T-30, so T -> slot 0, T+30 and T+60 -> slot 1 (the later wins), T+90 -> slot 2
    expect(read(s, 'fritz', 'h', 'cpu_load', T - 600, T + 600).data).toEqual([1, 3, 4]);
  });

  it('creates the levels of the file and skips unknown metrics', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', level({ nope: series(T, [1]) }, { socket0: level({ mem_bw: series(T, [5]) }, { memctrl1: level({ mem_bw: series(T, [6]) }) }) }));
    expect([...levelOf(s, 'fritz', 'h')!.children.keys()]).toEqual(['socket0']);
    expect(seriesOf(s, 'fritz', 'h', ['socket0', 'memctrl1'], 'mem_bw')).toEqual(series(T, [6]));
    expect(levelOf(s, 'fritz', 'h')!.metrics.size).toBe(0);
  });

  it('replays WAL columns like ingest, skipping what is older than notBefore', () => {
    const s = makeStore();
    const n = 6;
    const written = s.writeSamples('fritz', 'h', {
      count: n,
      ts: Float64Array.from([T, T + 60, T + 120, T - 600, T, T + 60]),
      value: Float32Array.from([1, 2, 3, 9, 5, 6]),
      metric: Uint32Array.from([0, 0, 0, 0, 1, 2]),
      metrics: ['cpu_load', 'cpu_user', 'nope'],
      path: Uint32Array.from([0, 0, 0, 0, 1, 1]),
      paths: [[], ['hwthread0']],
    }, T - 60);
    expect(written).toBe(4);
    expect(read(s, 'fritz', 'h', 'cpu_load', T - 3600, T + 3600).data).toEqual([1, 2, 3]);
    expect(read(s, 'fritz', 'h', 'cpu_user', T - 3600, T + 3600, { type: 'hwthread', 'type-ids': ['0'] }).data).toEqual([5]);
  });
});

// The rollup cache (assembly/rollup.ts, docs/engine.md "Rollups") never
// answers with stale sums. For every event that changes the data of a group
// whose sums are cached (a late write, an overwrite, free, memory-cap
// freeing, loadHost over and after the data, and the cache's own eviction at
// a tiny budget), the aggregated queries are asked of a compressed store
// (lockstep reads, cache filled) and of a raw twin (compression off: the
// series-by-series path, no cache) fed the same data, before and after the
// event: the answers are the same bytes, and they changed where the event
// changed data. That the cache really serves answers is shown without
// timing: stats().rollupBytes, and a poisoned entry showing up in an answer.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest, StoreOptions } from '../../src/engine/types.ts';
import { enforceMemoryCap } from '../../src/persist/retention.ts';
import { ingestAll, makeStore } from './helpers.ts';

const T = 1725620400;
const F = 60;
/** hwthreads of the host: the children an aggregated query adds up. */
const HW = 24;
/** Samples per series: 4 sealed chunks of 512 and a newest one of 52. */
const N = 2100;
const SUBSET = ['0', '3', '5', '17'];

const wavy = (i: number, t: number, salt = 0) => (((i * 37 + t * 11 + salt * 13) % 101) / 4 + t).toString();

/** Line protocol: slots [from, from + n) of every hwthread, for mem_bw (sum) and cpu_user (avg). */
function body(from: number, n: number, salt = 0, threads: number[] = [...Array(HW).keys()], host = 'h'): string {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    for (const t of threads) {
      const v = wavy(i, t, salt);
      out.push(`mem_bw,cluster=c,hostname=${host},type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
      out.push(`cpu_user,cluster=c,hostname=${host},type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
    }
  }
  return out.join('\n');
}

function ingest(stores: Store[], text: string): void {
  ingestAll(stores, text, 'c', T + N * F);
}

/** A compressed store and its raw twin with the same N samples of every series. */
function twins(options: Partial<StoreOptions> = {}): [Store, Store] {
  const sealed = makeStore(options);
  const raw = makeStore({ ...options, compression: false });
  ingest([sealed, raw], body(0, N));
  expect(sealed.stats().sealedChunks).toBe(2 * HW * 4);
  expect(raw.stats().sealedChunks).toBe(0);
  return [sealed, raw];
}

const QUERIES: QueryRequest['queries'] = [
  { metric: 'mem_bw', host: 'h' },
  { metric: 'cpu_user', host: 'h' },
  { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': SUBSET, aggreg: true },
  { metric: 'cpu_user', host: 'h', resolution: 180 },
];

/** The answer's bytes (compared between the twins) and its parsed results. */
function ask(s: Store, from = T, to = T + N * F, hosts = ['h']): { text: string; results: any[] } {
  const queries = hosts.flatMap((host) => QUERIES.map((q) => ({ ...q, host })));
  const req: QueryRequest = { cluster: 'c', from, to, queries, 'with-stats': true, 'with-padding': false };
  const text = new TextDecoder().decode(s.query(req));
  return { text, results: JSON.parse(text).results.map((r: any[]) => r[0]) };
}

/** Asks both twins, which must answer the same bytes; returns the sealed store's answer. */
function same(sealed: Store, raw: Store, from?: number, to?: number, hosts?: string[]) {
  const a = ask(sealed, from, to, hosts);
  const b = ask(raw, from, to, hosts);
  for (const r of a.results) {
    expect(r.error).toBeUndefined();
    expect(r.data.length).toBeGreaterThan(0);
  }
  // data, from/to, avg/min/max: field by field first (readable failures), then byte for byte.
  expect(a.results).toEqual(b.results);
  expect(a.text).toBe(b.text);
  return a;
}

/** The cached entries of a shard: [byte offset of the sums, series count] (entry: u32 size, n, len, 0, u64 hash, n stamps, sums). */
function entries(s: Store): Array<[number, number]> {
  const mem = (s as any).shards[0].x.memory.buffer as ArrayBuffer;
  const u32 = new Uint32Array(mem);
  const out: Array<[number, number]> = [];
  for (let w = 0; w + 4 < u32.length; w += 4) {
    const n = u32[w + 1];
    if (u32[w + 2] !== 512 || u32[w + 3] !== 0 || n < 2 || n > HW || u32[w] !== 24 + n * 8 + 512 * 8) continue;
    out.push([w * 4 + 24 + n * 8, n]);
  }
  return out;
}

/** Runs the event on both twins; the answers before and after agree between them and differ from each other. */
function across(sealed: Store, raw: Store, event: (s: Store) => void, opts: { from?: number; to?: number; cachedAfter?: boolean } = {}) {
  const before = same(sealed, raw, opts.from, opts.to);
  const filled = sealed.stats().rollupBytes;
  expect(filled).toBeGreaterThan(0);
  // Asked again the groups hit: no entry is added.
  expect(same(sealed, raw, opts.from, opts.to).text).toBe(before.text);
  expect(sealed.stats().rollupBytes).toBe(filled);
  event(sealed);
  event(raw);
  const after = same(sealed, raw, opts.from, opts.to);
  expect(after.text).not.toBe(before.text);
  if (opts.cachedAfter ?? true) {
    // The changed groups were summed anew (stale entries are not found, new ones are made)...
    expect(sealed.stats().rollupBytes).toBeGreaterThan(filled);
  }
  // ... and asking again now hits those.
  const again = sealed.stats().rollupBytes;
  expect(same(sealed, raw, opts.from, opts.to).text).toBe(after.text);
  expect(sealed.stats().rollupBytes).toBe(again);
  return { before, after };
}

describe('rollup cache invalidation', () => {
  it('serves aggregated reads of sealed chunks from the cache (a poisoned entry shows up)', () => {
    const [sealed, raw] = twins();
    const first = same(sealed, raw);
    // 4 sealed stretches for each of 3 groupings (the resampled query reads the plain cpu_user one's groups): 12
    // entries, fewer should two share a slot of the direct-mapped table.
    const found = entries(sealed);
    expect(found.length).toBeGreaterThanOrEqual(10);
    expect(found.length).toBeLessThanOrEqual(12);
    expect(sealed.stats().rollupBytes).toBe(found.length * 5120);
    const view = new DataView((sealed as any).shards[0].x.memory.buffer as ArrayBuffer);
    for (const [at] of found) view.setFloat64(at, 1e9, true);
    const poisoned = ask(sealed);
    expect(poisoned.results[0].data[0]).toBe(1e9);
    expect(poisoned.results[0].data[512]).toBe(1e9);
    expect(poisoned.results[2].data[1024]).toBe(1e9);
    expect(poisoned.results[0].data[1]).toBe(first.results[0].data[1]);
    // Without the cache (or compression) the answer is decoded and added, unpoisoned.
    const uncached = makeStore({ rollupCacheBytes: 0 });
    ingest([uncached], body(0, N));
    expect(ask(uncached).text).toBe(first.text);
    expect(uncached.stats().rollupBytes).toBe(0);
  });

  it('(a) a late write into a hole of sealed chunks', () => {
    const sealed = makeStore();
    const raw = makeStore({ compression: false });
    // Slot 100 missing in hwthread 3 only, slot 1300 in every series (NaN inside sealed chunks).
    const others = [...Array(HW).keys()].filter((t) => t !== 3);
    ingest([sealed, raw], body(0, 100));
    ingest([sealed, raw], body(100, 1, 0, others));
    ingest([sealed, raw], body(101, 1199));
    ingest([sealed, raw], body(1301, N - 1301));
    expect(sealed.stats().sealedChunks).toBe(2 * HW * 4);
    // Into one hwthread: one stamp of the group changes.
    const { before, after } = across(sealed, raw, (s) => ingest([s], body(100, 1, 0, [3])));
    expect(before.results[0].data[100]).toBeNull(); // NaN sum
    expect(after.results[0].data[100]).not.toBeNull();
    expect(after.results[2].data[100]).not.toBeNull();
    // Into all of them.
    const { before: b2, after: all } = across(sealed, raw, (s) => ingest([s], body(1300, 1)));
    expect(b2.results[0].data[1300]).toBeNull();
    expect(all.results[0].data[1300]).not.toBeNull();
  });

  it('(a) late writes into sealed chunks shorter than 512 slots, past their length', () => {
    const sealed = makeStore();
    const raw = makeStore({ compression: false });
    // Gaps longer than a chunk: sealed chunks of 300 slots.
    for (const from of [0, 600, 1200, 1800]) ingest([sealed, raw], body(from, 300));
    expect(sealed.stats().sealedChunks).toBe(2 * HW * 3);
    const to = T + 2100 * F;
    // Slot 400 of the first chunk (its length was 300): in one series (the others still miss it: NaN
    // sums, the same answer, read series by series now), then in all (each chunk grows to 401).
    const first = same(sealed, raw, T, to);
    ingest([sealed, raw], body(400, 1, 0, [9]));
    expect(same(sealed, raw, T, to).text).toBe(first.text);
    const { after } = across(sealed, raw, (s) => ingest([s], body(400, 1, 1)), { to });
    expect(after.results[0].data[400]).not.toBeNull();
    expect(after.results[0].data[399]).toBeNull();
  });

  it('(b) an overwrite of a sealed sample with another value', () => {
    const [sealed, raw] = twins();
    const { before, after } = across(sealed, raw, (s) => ingest([s], body(700, 1, 5, [7])));
    expect(after.results[0].data[700]).not.toBe(before.results[0].data[700]);
    expect(after.results[0].data[699]).toBe(before.results[0].data[699]);
    // The same chunk twice more, and one of the subset's series: each time other sums.
    across(sealed, raw, (s) => ingest([s], body(700, 1, 9, [7])));
    const sub = across(sealed, raw, (s) => ingest([s], body(1500, 1, 3, [17])));
    expect(sub.after.results[2].data[1500]).not.toBe(sub.before.results[2].data[1500]);
    // WAL replay (writeSamples) overwriting two series' samples in another chunk.
    const replay = {
      count: 2, ts: Float64Array.of(T + 1100 * F, T + 1101 * F), value: Float32Array.of(-3.5, 1e6),
      metric: Uint32Array.of(0, 1), metrics: ['mem_bw', 'cpu_user'], path: Uint32Array.of(0, 1), paths: [['hwthread0'], ['hwthread23']],
    };
    const wal = across(sealed, raw, (s) => expect(s.writeSamples('c', 'h', replay)).toBe(2));
    expect(wal.after.results[0].data[1100]).not.toBe(wal.before.results[0].data[1100]);
    expect(wal.after.results[1].data[1101]).not.toBe(wal.before.results[1].data[1101]);
  });

  it('(c) free of old chunks, and new chunks where the freed ones were', () => {
    const [sealed, raw] = twins();
    // The cached groups of chunks 0 and 1 go; the query still covers their time.
    const { after } = across(sealed, raw, (s) => expect(s.free(['c', 'h'], T + 1024 * F + 1)).toBe(2 * HW * 2), { cachedAfter: false });
    expect(after.results[0].from).toBe(T + 1024 * F);
    // Everything goes; new data at the same times takes the freed memory (same chunk addresses) and is sealed anew.
    for (const s of [sealed, raw]) expect(s.free([], T + 10 * N * F)).toBe(2 * HW * 3);
    expect(sealed.stats().shards[0].chunks).toBe(0);
    ingest([sealed, raw], body(0, N, 42));
    const fresh = same(sealed, raw);
    expect(fresh.text).not.toBe(after.text);
    expect(fresh.results[0].from).toBe(T);
    // Free from the top of the tree too.
    across(sealed, raw, (s) => expect(s.free([], T + 512 * F + 1)).toBe(2 * HW), { cachedAfter: false });
  });

  it('(d) loadHost over the sealed data and after freeing it', () => {
    const [sealed, raw] = twins();
    // A checkpoint of other values for the same times.
    const source = makeStore();
    ingest([source], body(0, N, 77));
    const files = source.exportHost('c', 'h', { unsavedOnly: false })!.files;
    expect(files.length).toBe(1);
    // Loaded over what is held: merged sample by sample into the sealed chunks.
    const { after } = across(sealed, raw, (s) => s.loadHost('c', 'h', files[0]));
    expect(after.text).toBe(ask(source).text);
    // A restore after everything was freed: the same chunk memory, other values.
    const other = makeStore();
    ingest([other], body(0, N, 5));
    const files2 = other.exportHost('c', 'h', { unsavedOnly: false })!.files;
    const { after: restored } = across(sealed, raw, (s) => {
      s.free([], T + 10 * N * F);
      s.loadHost('c', 'h', files2[0]);
    });
    expect(restored.text).toBe(ask(other).text);
    expect(sealed.stats().sealedChunks).toBe(2 * HW * 4);
  });

  it('(e) the memory cap freeing old data early', () => {
    const [sealed, raw] = twins();
    const log = { info() {}, warn() {}, error() {}, debug() {} } as any;
    const freed: number[] = [];
    across(sealed, raw, (s) => {
      // Just over the cap: the first step (data older than 75 % of the retention window) frees chunk 0 of every series.
      const r = enforceMemoryCap(s, s.stats().usedBytes - 1, T + N * F, N * F, log);
      expect(r.after).toBeLessThan(r.before);
      freed.push(r.freed);
    }, { cachedAfter: false });
    expect(freed).toEqual([2 * HW, 2 * HW]);
    // New data takes the freed memory and is sealed: the whole range again.
    ingest([sealed, raw], body(N, 1100, 9));
    const late = same(sealed, raw, T, T + (N + 1100) * F);
    expect(late.results[0].from).toBe(T + 512 * F);
    expect(late.results[0].to).toBe(T + (N + 1100) * F);
  });

  it('several shards and hosts: each shard its own stamps and cache', () => {
    const hosts = ['h0', 'h1', 'h2', 'h3', 'h4'];
    const sealed = makeStore({ shards: 3 });
    const raw = makeStore({ shards: 3, compression: false });
    for (const [k, host] of hosts.entries()) ingest([sealed, raw], body(0, 1100, k, [...Array(8).keys()], host));
    const first = same(sealed, raw, T, T + 1100 * F, hosts);
    expect(sealed.stats().shards.filter((sh) => sh.rollupBytes > 0).length).toBeGreaterThan(1);
    ingest([sealed, raw], body(300, 1, 50, [2], 'h3'));
    const second = same(sealed, raw, T, T + 1100 * F, hosts);
    expect(second.text).not.toBe(first.text);
    for (const s of [sealed, raw]) s.free(['c', 'h1'], T + 10000 * F);
    ingest([sealed, raw], body(0, 1100, 99, [...Array(8).keys()], 'h1'));
    expect(same(sealed, raw, T, T + 1100 * F, hosts).text).not.toBe(second.text);
  });

  it('(f) a cache of a few entries evicting all the time, through all the events', () => {
    // An entry of 24 (or 4) series is 5,120 bytes (a size class); entries take at most a quarter of the budget.
    const budget = 4 * 5120;
    const [sealed, raw] = twins({ rollupCacheBytes: budget });
    // Too small to hold even one entry: nothing is cached, the answers are the same.
    const [none] = twins({ rollupCacheBytes: budget - 1 });
    const check = () => {
      const a = same(sealed, raw);
      expect(ask(none).text).toBe(a.text);
      expect(sealed.stats().rollupBytes).toBeGreaterThan(0);
      expect(sealed.stats().rollupBytes).toBeLessThanOrEqual(budget);
      expect(none.stats().rollupBytes).toBe(0);
      return a.text;
    };
    const all = [sealed, raw, none];
    const seen = [check()];
    ingest(all, body(700, 1, 5, [7]));
    seen.push(check());
    ingest(all, body(1300, 1, 8));
    seen.push(check());
    for (const s of all) expect(s.free(['c', 'h'], T + 512 * F + 1)).toBe(2 * HW);
    seen.push(check());
    const source = makeStore();
    ingest([source], body(0, N, 77));
    for (const s of all) s.loadHost('c', 'h', source.exportHost('c', 'h', { unsavedOnly: false })!.files[0]);
    seen.push(check());
    const log = { info() {}, warn() {}, error() {}, debug() {} } as any;
    for (const s of all) expect(enforceMemoryCap(s, s.stats().usedBytes - 1, T + N * F, N * F, log).freed).toBeGreaterThan(0);
    seen.push(check());
    // Many more rounds: the clock hand goes round the table, entries come and go.
    for (let round = 0; round < 40; round++) {
      ingest(all, body(600 + ((round * 97) % 1400), 1, round + 100, [round % HW]));
      seen.push(check());
      if (round % 3 === 0) seen.push(check());
    }
    expect(new Set(seen).size).toBe(6 + 40);
  });
});

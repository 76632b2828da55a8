// Rollups of packed pages (assembly/rollup-pages.ts, docs/engine.md
// "Rollups"): the sums of one page of the newest chunks of a group, keyed by
// a copy of the packed blocks' bytes. Shown here: the cache serves the pages'
// sums (a poisoned entry shows up in the answer), and never a stale one: a
// seeded random run of in-order writes, late samples, overwrites (other
// values and the same), writes to some hwthreads only, values no codec
// shrinks, frees, the memory cap and restores, after each of which the
// aggregated queries of a store with the cache, one without it
// (rollupCacheBytes 0), one with a cache of a few entries, and a raw twin
// (compression off) answer the same bytes.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest, StoreOptions } from '../../src/engine/types.ts';
import { enforceMemoryCap } from '../../src/persist/retention.ts';
import { mulberry32 } from './support/seeded-workload.ts';
import { ingestAll, makeStore } from './helpers.ts';

const T = 1725620400;
const F = 60;
const HW = 12;
const SEED = Number(process.env.ROLLUP_PAGES_SEED ?? 20261203);
const ROUNDS = Number(process.env.ROLLUP_PAGES_ROUNDS ?? 120);

/** Values the decimal codec packs, or (`noisy`) ones it does not shrink. */
function value(i: number, t: number, salt: number, noisy = false): string {
  if (noisy) return String(Math.fround(Math.sin(i * 12.9898 + t * 78.233 + salt) * 43758.5453));
  return (((i * 37 + t * 11 + salt * 13) % 101) / 4 + t).toString();
}

/** Line protocol: slots `slots` of hwthreads `threads`, for mem_bw (sum) and cpu_user (avg). */
function body(slots: number[], threads: number[], salt = 0, noisy = false): string {
  const out: string[] = [];
  for (const i of slots) {
    for (const t of threads) {
      const v = value(i, t, salt, noisy);
      out.push(`mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
      out.push(`cpu_user,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
    }
  }
  return out.join('\n');
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
const ALL = range(0, HW);

function ingest(stores: Store[], text: string, now: number): void {
  ingestAll(stores, text, 'c', now);
}

function ask(s: Store, from: number, to: number): string {
  const queries: QueryRequest['queries'] = [
    { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ALL.map(String), aggreg: true },
    { metric: 'cpu_user', host: 'h' },
    { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ['1', '4', '5', '9'], aggreg: true },
    { metric: 'cpu_user', host: 'h', resolution: 180 },
  ];
  return new TextDecoder().decode(s.query({ cluster: 'c', from, to, queries, 'with-stats': true, 'with-padding': false }));
}

/** The packed-page entries of a shard: byte offsets of their sums (entry: u32 size, n, 64, 1, u64 hash, u64 epoch, 64 sums, addresses, blocks). */
function pageEntries(s: Store): number[] {
  const u32 = new Uint32Array((s as any).shards[0].x.memory.buffer as ArrayBuffer);
  const out: number[] = [];
  for (let w = 0; w + 8 < u32.length; w += 4) {
    if (u32[w + 2] !== 64 || u32[w + 3] !== 1 || u32[w + 1] < 2 || u32[w + 1] > HW || u32[w + 7] !== 0 || u32[w + 6] === 0) continue;
    const size = u32[w];
    if (size < 32 + 512 + 16 * u32[w + 1] || size % 16 !== 0) continue;
    out.push(w * 4 + 32);
  }
  return out;
}

describe('rollups of packed pages', () => {
  it('serves the sums of pages packed in every child from the cache (a poisoned entry shows up)', () => {
    const from = T;
    const to = T + 300 * F;
    // The cache's table (1024 slots, two-way) is hashed from the chunks'
    // addresses: in some memory layouts (the engine's static data decides
    // them) three of the 12 entries meet in one pair of slots and one evicts
    // another, which is the cache working as meant but hides an entry from
    // the checks below. Such a layout is shifted (another metric's series
    // first) until every entry has a slot of its own.
    let cached = makeStore();
    let uncached = makeStore({ rollupCacheBytes: 0 });
    let first = '';
    let found: number[] = [];
    for (let shift = 0; shift < 8; shift++) {
      cached = makeStore();
      uncached = makeStore({ rollupCacheBytes: 0 });
      if (shift > 0) ingest([cached, uncached], range(0, shift).map((k) => `cpu_load,cluster=c,hostname=h,type=hwthread,type-id=${k} value=1 ${T}`).join('\n'), T + 300 * F);
      // 300 slots: pages 0-3 of the (only, newest) chunk packed in every series, page 4 raw.
      ingest([cached, uncached], body(range(0, 300), ALL), T + 300 * F);
      expect(cached.stats().sealedChunks).toBe(0);
      first = ask(cached, from, to);
      expect(first).toBe(ask(uncached, from, to));
      // Two groupings (all hwthreads, the subset) of mem_bw and one of cpu_user (its two queries read alike), 4 pages each.
      found = pageEntries(cached);
      if (found.length === 12) break;
    }
    expect(found.length).toBe(12);
    expect(cached.stats().rollupBytes).toBeGreaterThan(0);
    expect(uncached.stats().rollupBytes).toBe(0);
    // Asked again: the same entries serve it.
    const filled = cached.stats().rollupBytes;
    expect(ask(cached, from, to)).toBe(first);
    expect(cached.stats().rollupBytes).toBe(filled);
    const view = new DataView((cached as any).shards[0].x.memory.buffer as ArrayBuffer);
    for (const at of found) view.setFloat64(at + 8 * 5, 1e9, true);
    const poisoned = JSON.parse(ask(cached, from, to)).results.map((r: any[]) => r[0].data);
    const clean = JSON.parse(first).results.map((r: any[]) => r[0].data);
    for (const page of [0, 1, 2, 3]) expect(poisoned[0][page * 64 + 5]).toBe(1e9);
    expect(poisoned[0][4 * 64 + 5]).toBe(clean[0][4 * 64 + 5]); // the raw page is added up
    expect(poisoned[0][6]).toBe(clean[0][6]);
    expect(poisoned[2][69]).toBe(1e9);
  });

  it('a late write into one packed page: the group misses, other pages still hit', () => {
    const stores = [makeStore(), makeStore({ rollupCacheBytes: 0 })];
    const now = T + 400 * F;
    ingest(stores, body(range(0, 400), ALL), now);
    const before = ask(stores[0], T, now);
    expect(before).toBe(ask(stores[1], T, now));
    // An overwrite of slot 130 (page 2) of hwthread 5: its block is freed, the page raw.
    ingest(stores, body([130], [5], 7), now);
    const after = ask(stores[0], T, now);
    expect(after).toBe(ask(stores[1], T, now));
    expect(after).not.toBe(before);
    expect(JSON.parse(after).results[0][0].data[130]).not.toBe(JSON.parse(before).results[0][0].data[130]);
    expect(JSON.parse(after).results[0][0].data[129]).toBe(JSON.parse(before).results[0][0].data[129]);
  });

  it('a block freed and its address handed out again with other values: the copies differ, no stale sums', () => {
    const stores = [makeStore(), makeStore({ rollupCacheBytes: 0 })];
    const now = T + 400 * F;
    // Pages 0-2 packed, page 3 (constant values) raw: 256 slots.
    const constant = (slots: number[], threads: number[]) =>
      slots.flatMap((i) => threads.flatMap((t) => [`mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=5 ${T + i * F}`, `cpu_user,cluster=c,hostname=h,type=hwthread,type-id=${t} value=5 ${T + i * F}`])).join('\n');
    ingest(stores, body(range(0, 192), ALL), now);
    ingest(stores, constant(range(192, 64), ALL), now);
    const first = ask(stores[0], T, now);
    expect(first).toBe(ask(stores[1], T, now));
    // Series by series: an overwrite in page 2 unpacks it (its block freed), then slot 256 starts page 4,
    // which packs page 3 (a small block) and page 2 again, into the block of its size just freed.
    for (const t of ALL) {
      const text = [body([130], [t], 3), constant([256], [t])].join('\n');
      ingest(stores, text, now);
    }
    const second = ask(stores[0], T, now);
    expect(second).toBe(ask(stores[1], T, now));
    expect(JSON.parse(second).results[0][0].data[130]).not.toBe(JSON.parse(first).results[0][0].data[130]);
  });

  it('groups that share their first, middle and last child take one table slot in turns, each its own sums', () => {
    const stores = [makeStore(), makeStore({ rollupCacheBytes: 0 })];
    const now = T + 300 * F;
    ingest(stores, body(range(0, 300), ALL), now);
    const groups = [['0', '1', '2', '3', '4'], ['0', '5', '2', '6', '4'], ['0', '7', '2', '8', '4']];
    const askGroup = (s: Store, ids: string[]) =>
      new TextDecoder().decode(s.query({ cluster: 'c', from: T, to: now, queries: [{ metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true }] }));
    const answers = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const ids of groups) {
        const got = askGroup(stores[0], ids);
        expect(got).toBe(askGroup(stores[1], ids));
        answers.add(got);
      }
    }
    expect(answers.size).toBe(3);
  });

  it('cached, uncached, few-entry and raw stores answer alike through a random run', () => {
    const r = mulberry32(SEED);
    const rint = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const opts: Array<Partial<StoreOptions>> = [{}, { rollupCacheBytes: 0 }, { rollupCacheBytes: 4 * 4096 }, { compression: false }];
    const stores = opts.map((o) => makeStore(o));
    let next = 0; // the next in-order slot
    let salt = 0;
    const log = { info() {}, warn() {}, error() {}, debug() {} } as any;
    const events = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const now = T + (next + 1) * F;
      const roll = r();
      let event: string;
      if (roll < 0.45 || next < 200) {
        // In order, now and then some hwthreads left out or values no codec shrinks.
        event = 'in-order';
        const n = rint(1, 150);
        const threads = r() < 0.15 ? ALL.filter(() => r() < 0.7) : ALL;
        ingest(stores, body(range(next, n), threads, 0, r() < 0.1), T + (next + n) * F);
        next += n;
      } else if (roll < 0.6) {
        event = 'late-other-value';
        const slots = range(0, rint(1, 4)).map(() => rint(Math.max(0, next - 700), next - 1));
        ingest(stores, body(slots, ALL.filter(() => r() < 0.3), ++salt), now);
      } else if (roll < 0.7) {
        event = 'overwrite-same-value';
        ingest(stores, body([rint(Math.max(0, next - 500), next - 1)], ALL.filter(() => r() < 0.5)), now);
      } else if (roll < 0.78) {
        event = 'free';
        const t = T + rint(Math.max(0, next - 1600), next - 400) * F;
        for (const s of stores) s.free(r() < 0.5 ? ['c', 'h'] : [], t);
      } else if (roll < 0.85) {
        event = 'memory-cap';
        for (const s of stores) enforceMemoryCap(s, Math.floor(s.stats().usedBytes * 0.9), now, (next + 10) * F, log);
      } else if (roll < 0.87) {
        event = 'refill';
        // Everything freed and written anew with other values: the same allocations, other bytes.
        for (const s of stores) s.free([], now + 10 * F);
        const from = Math.max(0, next - rint(100, 1200));
        ingest(stores, body(range(from, next - from), ALL, ++salt), now);
      } else if (roll < 0.9) {
        event = 'restore';
        // Everything freed, then the raw twin's export loaded: the newest chunks come back with their full pages packed.
        const file = stores[3].exportHost('c', 'h', { unsavedOnly: false })?.files;
        for (const s of stores) s.free([], now + 10 * F);
        for (const f of file ?? []) for (const s of stores) s.loadHost('c', 'h', f);
      } else {
        event = 'queries only';
      }
      events.set(event, (events.get(event) ?? 0) + 1);
      for (let q = 0; q < 3; q++) {
        const from = T + rint(Math.max(0, next - 1700), next) * F + rint(0, 59);
        const to = q === 0 ? now : from + rint(1, 1200) * F;
        const want = ask(stores[3], from, to);
        for (const s of stores.slice(0, 3)) expect(ask(s, from, to)).toBe(want);
      }
    }
    // The run went through every event, and the cache held page entries on the way.
    expect(events.size).toBe(8);
    expect(stores[0].stats().rollupBytes).toBeGreaterThan(0);
    expect(stores[2].stats().rollupBytes).toBeLessThanOrEqual(4 * 4096);
  });
});

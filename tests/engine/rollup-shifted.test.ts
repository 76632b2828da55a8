// The lockstep read of children not in step (assembly/lockstep-pieces.ts,
// docs/engine.md "Rollups"): a hwthread that misses a chunk's first line
// starts that chunk and every later one a slot late; one that misses a
// chunk's last line leaves a missing slot at its end. Such hosts read piece
// by piece, the sealed pieces' sums cached by the chunks' stamps and the
// children's offsets (rollup.ts rollupShiftedSums). Each answer is held
// against a raw twin (compression off: the series-by-series path) and a
// compressed store without the cache; the cache is shown to serve answers
// (a poisoned entry shows up) and never to answer stale sums after late
// writes, overwrites, frees, the memory cap and a restore into shifted chunks.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest, StoreOptions } from '../../src/engine/types.ts';
import { enforceMemoryCap } from '../../src/persist/retention.ts';
import { mulberry32 } from './support/seeded-workload.ts';
import { ingestAll, lp, makeStore } from './helpers.ts';

const T = 1725620400;
const F = 60;
const HW = 24;
/** Samples per series: 4 sealed chunks and a newest one. */
const N = 2100;
/** Lines each hwthread misses: 3 and 9 a chunk's first (9 twice: shifted by 2 at the end), 14 a chunk's last, 20 one inside. */
const DROPPED: Record<number, number[]> = { 3: [512], 9: [512, 1025], 14: [1023], 20: [700] };

const wavy = (i: number, t: number, salt = 0) => (((i * 37 + t * 11 + salt * 13) % 101) / 4 + t).toString();

function body(from: number, n: number, salt = 0, threads: number[] = [...Array(HW).keys()], drop = true): string {
  const out: string[] = [];
  for (let i = from; i < from + n; i++) {
    for (const t of threads) {
      if (drop && DROPPED[t]?.includes(i)) continue;
      const v = wavy(i, t, salt);
      out.push(`mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
      out.push(`cpu_user,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
    }
  }
  return out.join('\n');
}

function ingest(stores: Store[], text: string): void {
  ingestAll(stores, text, 'c', T + N * F);
}

/** A compressed store with the cache, one without it and a raw one, with the same data. */
function triplets(options: Partial<StoreOptions> = {}): Store[] {
  const stores = [makeStore(options), makeStore({ ...options, rollupCacheBytes: 0 }), makeStore({ ...options, compression: false })];
  ingest(stores, body(0, N));
  return stores;
}

const SUBSET = ['0', '3', '9', '14', '17'];
const QUERIES: QueryRequest['queries'] = [
  { metric: 'mem_bw', host: 'h' },
  { metric: 'cpu_user', host: 'h' },
  { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': SUBSET, aggreg: true },
  { metric: 'cpu_user', host: 'h', type: 'hwthread', 'type-ids': ['9', '3', '1'], aggreg: true },
];

function ask(s: Store, from = T, to = T + N * F): { text: string; results: any[] } {
  const req: QueryRequest = { cluster: 'c', from, to, queries: QUERIES, 'with-stats': true, 'with-padding': false };
  const text = new TextDecoder().decode(s.query(req));
  return { text, results: JSON.parse(text).results.map((r: any[]) => r[0]) };
}

/** Every store answers the same bytes; returns the first one's answer. */
function same(stores: Store[], from?: number, to?: number) {
  const a = ask(stores[0], from, to);
  for (const r of a.results) {
    expect(r.error).toBeUndefined();
    expect(r.data.length).toBeGreaterThan(0);
  }
  for (const other of stores.slice(1)) {
    const b = ask(other, from, to);
    expect(a.results).toEqual(b.results);
    expect(a.text).toBe(b.text);
  }
  return a;
}

/** KIND_SHIFTED entries (u32 size, n, len, 2, u64 hash, u32 lo, u32 0, n stamps, n offsets padded to 8, sums): [byte offset of the sums, n, len]. */
function shiftedEntries(s: Store): Array<[number, number, number]> {
  const u32 = new Uint32Array((s as any).shards[0].x.memory.buffer as ArrayBuffer);
  const out: Array<[number, number, number]> = [];
  for (let w = 0; w + 8 < u32.length; w += 4) {
    const n = u32[w + 1];
    const len = u32[w + 2];
    if (u32[w + 3] !== 2 || n < 2 || n > HW || len < 1 || len > 512 || u32[w + 7] !== 0 || u32[w + 6] > 512) continue;
    const sums = 32 + n * 8 + ((n * 4 + 7) & ~7);
    if (u32[w] !== sums + len * 8) continue;
    out.push([w * 4 + sums, n, len]);
  }
  return out;
}

/** Runs the event on every store: before and after, all answer alike; the answer changed; the cache holds entries anew. */
function across(stores: Store[], event: (s: Store) => void, opts: { from?: number; to?: number } = {}) {
  const before = same(stores, opts.from, opts.to);
  const filled = stores[0].stats().rollupBytes;
  expect(filled).toBeGreaterThan(0);
  expect(same(stores, opts.from, opts.to).text).toBe(before.text);
  expect(stores[0].stats().rollupBytes).toBe(filled);
  for (const s of stores) event(s);
  const after = same(stores, opts.from, opts.to);
  expect(after.text).not.toBe(before.text);
  const again = stores[0].stats().rollupBytes;
  expect(same(stores, opts.from, opts.to).text).toBe(after.text);
  expect(stores[0].stats().rollupBytes).toBe(again);
  return { before, after };
}

describe('lockstep read of shifted children', () => {
  it('answers as the series-by-series read, the shifted pieces from the cache (a poisoned entry shows up)', () => {
    const stores = triplets();
    const first = same(stores);
    for (let q = 0; q < 30; q++) {
      const from = T + ((q * 131) % N) * F + (q % 7) * 9;
      same(stores, from, from + (1 + ((q * 257) % 1500)) * F);
    }
    // Shifted groups: 1-slot and 511-slot pieces (and 510 where 9 is two slots late), for the whole host and the subsets.
    const found = shiftedEntries(stores[0]);
    const lens = new Set(found.map((e) => e[2]));
    expect(lens.has(1)).toBe(true);
    expect(lens.has(511)).toBe(true);
    expect(lens.has(510)).toBe(true);
    expect(found.filter((e) => e[1] === HW).length).toBeGreaterThan(4);
    expect(shiftedEntries(stores[1]).length).toBe(0);
    const view = new DataView((stores[0] as any).shards[0].x.memory.buffer as ArrayBuffer);
    for (const [at, n] of found) if (n === HW) view.setFloat64(at, 1e9, true);
    const poisoned = ask(stores[0]);
    const hits = poisoned.results[0].data.filter((v: number) => v === 1e9).length;
    expect(hits).toBeGreaterThan(0);
    expect(poisoned.results[0].data.filter((v: number, i: number) => v !== 1e9 && v !== first.results[0].data[i]).length).toBe(0);
  });

  it('reads late writes and overwrites into shifted chunks, never a stale entry', () => {
    const stores = triplets();
    // The line hwthread 20 missed, inside a sealed chunk of a shifted group.
    across(stores, (s) => ingest([s], body(700, 1, 0, [20], false)));
    // An overwrite in hwthread 3's shifted chunk, then in hwthread 9's twice-shifted one.
    across(stores, (s) => ingest([s], body(900, 1, 5, [3])));
    across(stores, (s) => ingest([s], body(1500, 1, 7, [9])));
    // The slot 14 missed at its chunk's end: the group is in step there now.
    across(stores, (s) => ingest([s], body(1023, 1, 0, [14], false)));
    // An overwrite of one slot in every child, shifted or not.
    const { after } = across(stores, (s) => ingest([s], body(1200, 1, 11)));
    expect(after.results[0].data[1200]).not.toBeNull();
  });

  it('frees, the memory cap and a restore of shifted chunks', () => {
    const stores = triplets();
    // The oldest chunks go, and other values are written where they were (the freed memory, new stamps).
    across(stores, (s) => {
      expect(s.free(['c', 'h'], T + 600 * F)).toBeGreaterThan(0);
      ingest([s], body(0, 512, 42));
    });
    const log = { info() {}, warn() {}, error() {}, debug() {} } as any;
    across(stores, (s) => {
      const r = enforceMemoryCap(s, s.stats().usedBytes - 1, T + N * F, N * F, log);
      expect(r.freed).toBeGreaterThan(0);
      ingest([s], body(0, 512, 9));
    });
    // Everything goes, then a restore of other values with the same shifts: the same chunk memory, other sums.
    const source = makeStore();
    ingest([source], body(0, N, 77));
    const files = source.exportHost('c', 'h', { unsavedOnly: false })!.files;
    const { after } = across(stores, (s) => {
      s.free([], T + 10 * N * F);
      for (const file of files) s.loadHost('c', 'h', file);
    });
    expect(after.text).toBe(ask(source).text);
  });

  it('random shifts, missing chunk ends, late writes and a small cache, against the raw read', () => {
    const r = mulberry32(20261207);
    const rint = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    for (let run = 0; run < 12; run++) {
      const options = run % 3 === 2 ? { rollupCacheBytes: 4 * 5120 } : {};
      const stores = [makeStore(options), makeStore({ rollupCacheBytes: 0 }), makeStore({ compression: false })];
      const hw = rint(2, 30);
      const slots = rint(1100, 3000);
      // Per hwthread, lines it misses: chunk-first lines (each shifts it once more), chunk-last ones, random ones.
      const dropped = Array.from({ length: hw }, () => new Set<number>());
      for (let t = 0; t < hw; t++) {
        if (r() < 0.4) for (let c = 1; c * 512 < slots; c++) if (r() < 0.5) dropped[t].add(c * 512 + rint(0, 3));
        if (r() < 0.3) dropped[t].add(rint(1, 4) * 511);
        for (let k = 0; k < 3; k++) if (r() < 0.3) dropped[t].add(rint(1, slots - 2));
      }
      const lines: string[] = [];
      const late: string[] = [];
      for (let i = 0; i < slots; i++) {
        for (let t = 0; t < hw; t++) {
          const v = r() < 0.03 ? '-0' : String(Math.fround((r() - 0.3) * 1e3 * Math.sin(i + t)));
          const line = `mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`;
          if (dropped[t].has(i)) {
            if (r() < 0.3) late.push(line);
            continue;
          }
          lines.push(line);
        }
      }
      for (const s of stores) expect(s.ingest(lp(lines.join('\n')), 'c', T + slots * F).error).toBeNull();
      const all = Array.from({ length: hw }, (_, t) => String(t));
      const query = (s: Store, from: number, to: number, ids: string[]) => new TextDecoder().decode(s.query({
        cluster: 'c', from, to, 'with-stats': true, 'with-padding': false,
        queries: [{ metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true }],
      }));
      const check = () => {
        for (let q = 0; q < 10; q++) {
          const from = T + rint(-50, slots) * F + rint(0, 59);
          const to = q % 2 === 0 ? T + slots * F : from + rint(1, 1500) * F;
          const ids = q % 3 === 2 ? all.filter(() => r() < 0.6) : all;
          const want = query(stores[2], from, to, ids);
          // Twice: the second from the cache.
          for (let k = 0; k < 2; k++) for (const s of stores.slice(0, 2)) expect(query(s, from, to, ids)).toBe(want);
        }
      };
      check();
      if (late.length > 0) {
        for (const s of stores) expect(s.ingest(lp(late.join('\n')), 'c', T + slots * F).error).toBeNull();
        check();
      }
    }
  });

  it('pages packed in some children and raw in others: cached, and a write into a raw page is never answered stale', () => {
    // Children 0-5 tame (their full pages pack), 6-11 noisy (no codec shrinks a page: raw), child 4 a slot late from chunk 1 on.
    const hw = 12;
    const noisy = (t: number) => t >= 6;
    const value = (i: number, t: number, salt: number) => noisy(t)
      ? String(Math.fround(Math.sin(i * 7.1 + t * 3.3 + salt) * 1e6 + i * 0.001))
      : String(((i * 7 + t + salt) % 23) / 4);
    const lines = (from: number, n: number, threads: number[], salt = 0) => {
      const out: string[] = [];
      for (let i = from; i < from + n; i++) {
        for (const t of threads) {
          if (t === 4 && i === 512 && salt === 0) continue;
          out.push(`mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${value(i, t, salt)} ${T + i * F}`);
        }
      }
      return out.join('\n');
    };
    const all = [...Array(hw).keys()];
    const stores = [makeStore(), makeStore({ rollupCacheBytes: 0 }), makeStore({ compression: false })];
    const end = 512 + 300;
    ingest(stores, lines(0, end, all));
    const ids = all.map(String);
    const query = (s: Store, from: number) => new TextDecoder().decode(s.query({
      cluster: 'c', from, to: T + end * F, 'with-stats': true, 'with-padding': false,
      queries: [
        { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true },
        { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ['0', '7', '9'], aggreg: true },
      ],
    }));
    const check = () => {
      let first = '';
      for (const from of [T, T + 530 * F + 17, T + 640 * F]) {
        const want = query(stores[2], from);
        for (let k = 0; k < 2; k++) for (const s of stores.slice(0, 2)) expect(query(s, from)).toBe(want);
        if (from === T) first = want;
      }
      return first;
    };
    const before = check();
    // Entries of cuts with raw pages (kind 3, a count of raw pages at word 9), the shifted and the in-step subset's.
    const u32 = new Uint32Array((stores[0] as any).shards[0].x.memory.buffer as ArrayBuffer);
    let mixed = 0;
    for (let w = 0; w + 12 < u32.length; w += 4) if (u32[w + 3] === 3 && (u32[w + 1] === hw || u32[w + 1] === 3) && u32[w + 2] >= 1 && u32[w + 2] <= 64 && u32[w + 9] > 0 && u32[w + 9] <= hw) mixed++;
    expect(mixed).toBeGreaterThan(4);
    // Overwrites into full raw pages of the newest chunks (noisy children: they stay raw, nothing is unpacked).
    ingest(stores, lines(600, 1, [8], 5));
    const second = check();
    expect(second).not.toBe(before);
    ingest(stores, lines(700, 3, [7, 9], 6));
    expect(check()).not.toBe(second);
    // And into a packed page (unpacked, packed again by the next page started) and the late child.
    ingest(stores, lines(650, 2, [2, 4], 7));
    ingest(stores, lines(end, 70, all, 1));
    check();
  });
});

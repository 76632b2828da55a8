// Sealed chunks (StoreOptions.compression): which chunks are sealed, what the
// statistics say, late writes into them, the memory cap in compressed bytes,
// running out of memory while unsealing, the reseal list overflowing, and
// restore sealing as it loads. Byte-for-byte equality with the raw engine
// over random workloads is compression-differential.test.ts.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import type { LevelData } from '../../src/engine/types.ts';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

function lines(host: string, from: number, n: number, value: (i: number) => string, metric = 'cpu_load'): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${metric},cluster=c,hostname=${host} value=${value(i)} ${T + (from + i) * 60}`);
  return out.join('\n');
}

const wavy = (i: number) => ((i * 37) % 101 / 4).toString();

function exportBytes(s: Store, host: string): string {
  const e = s.exportHost('c', host, { unsavedOnly: false });
  return JSON.stringify(e?.files.map((f) => [...f.metrics].map(([m, d]) => [m, d.start, [...new Uint32Array(d.values.buffer)]])));
}

describe('sealed chunks', () => {
  it('seals every chunk but the newest, and the stats say so', () => {
    const sealed = makeStore();
    const raw = makeStore({ compression: false });
    // 300 samples, then a jump past the chunk's capacity: chunks of 300 slots (blocks of every size, not just full ones).
    const body = [lines('h', 0, 300, wavy), lines('h', 600, 300, wavy), lines('h', 1200, 300, wavy), lines('h', 1800, 100, wavy)];
    for (const s of [sealed, raw]) expect(s.ingest(lp(body.join('\n')), 'c').accepted).toBe(1000);
    const a = sealed.stats();
    const b = raw.stats();
    expect(a.shards[0].chunks).toBe(4);
    expect(a).toMatchObject({ sealedChunks: 3, samples: 1000 });
    expect(a.sealedBytes).toBeGreaterThan(0);
    // The newest chunk (100 samples) keeps its second page raw, its first packed (pack.ts): less than a page.
    expect(a.rawBytes).toBeGreaterThan(256);
    expect(a.rawBytes).toBeLessThan(256 + 192);
    expect(b).toMatchObject({ sealedChunks: 0, sealedBytes: 0, rawBytes: (3 * 5 + 2) * 256, samples: 1000 });
    // Blocks sit in 16-byte size classes: each (the packed page's too) wastes less than 16 bytes.
    const blockBytes = a.usedBytes - b.usedBytes + (b.rawBytes - a.rawBytes);
    expect(blockBytes).toBeGreaterThanOrEqual(a.sealedBytes);
    expect(blockBytes).toBeLessThan(a.sealedBytes + 16 * (a.sealedChunks + 1));
    for (const [from, to] of [[T, T + 1900 * 60], [T + 250 * 60, T + 1300 * 60], [T - 600, T + 60]]) {
      expect(read(sealed, 'c', 'h', 'cpu_load', from, to)).toEqual(read(raw, 'c', 'h', 'cpu_load', from, to));
    }
  });

  it('takes late samples and overwrites into a sealed chunk and seals it again after the call', () => {
    const s = makeStore();
    s.ingest(lp(lines('h', 0, 1100, wavy)), 'c');
    expect(s.stats().sealedChunks).toBe(2);
    const late = [`cpu_load,cluster=c,hostname=h value=1234.5 ${T + 10 * 60}`, `cpu_load,cluster=c,hostname=h value=-7 ${T + 600 * 60}`];
    expect(s.ingest(lp(late.join('\n')), 'c').accepted).toBe(2);
    expect(s.stats()).toMatchObject({ sealedChunks: 2, samples: 1100 });
    const data = read(s, 'c', 'h', 'cpu_load', T, T + 1100 * 60).data;
    expect(data[10]).toBe(1234.5);
    expect(data[600]).toBe(-7);
    expect(data[11]).toBe(Number(wavy(11)));
  });

  it('reseals when more chunks were unsealed in one call than the reseal list holds', () => {
    const sealed = makeStore();
    const raw = makeStore({ compression: false });
    const hosts = 1100;
    const body: string[] = [];
    for (let h = 0; h < hosts; h++) body.push(lines(`h${h}`, 0, 520, wavy));
    const late: string[] = [];
    for (let h = 0; h < hosts; h++) late.push(`cpu_load,cluster=c,hostname=h${h} value=${h} ${T + (h % 500) * 60}`);
    for (const s of [sealed, raw]) {
      expect(s.ingest(lp(body.join('\n')), 'c').accepted).toBe(hosts * 520);
      expect(s.ingest(lp(late.join('\n')), 'c').accepted).toBe(hosts);
    }
    expect(sealed.stats().sealedChunks).toBe(hosts);
    for (const h of [0, 1, 499, 1023, 1024, 1099]) expect(exportBytes(sealed, `h${h}`)).toBe(exportBytes(raw, `h${h}`));
  });

  it('counts compressed bytes against the memory cap', () => {
    const limit = 2 * 2 ** 20;
    const stored = (s: Store) => {
      // Constant series, as idle nodes send them: a few bytes per sealed chunk.
      for (let round = 0; round < 120; round++) {
        const body: string[] = [];
        for (let h = 0; h < 40; h++) body.push(lines(`h${h}`, round * 512, 512, () => '0'));
        const r = s.ingest(lp(body.join('\n')), 'c');
        if (r.reasons['store-full']) break;
      }
      return s.stats().samples;
    };
    const raw = stored(makeStore({ compression: false, shardMemoryLimit: limit }));
    const sealed = stored(makeStore({ shardMemoryLimit: limit }));
    expect(raw).toBeLessThan(limit / 4);
    expect(sealed).toBeGreaterThan(3 * raw);
  });

  it('rejects a late sample as store-full when unsealing finds no memory, and loses nothing', () => {
    const s = makeStore({ shardMemoryLimit: 2 ** 20 });
    let full = false;
    for (let round = 0; round < 200 && !full; round++) {
      const body: string[] = [];
      // Two decimals: what codecs shrink, but not to nothing.
      for (let h = 0; h < 20; h++) body.push(lines(`h${h}`, round * 512, 512, (i) => (((i * 7919 + h * 104729 + round * 31) % 10000) / 100).toFixed(2)));
      full = (s.ingest(lp(body.join('\n')), 'c').reasons['store-full'] ?? 0) > 0;
    }
    expect(full).toBe(true);
    const before = read(s, 'c', 'h3', 'cpu_load', T, T + 600 * 60);
    const sealedBefore = s.stats().sealedChunks;
    const r = s.ingest(lp(`cpu_load,cluster=c,hostname=h3 value=99 ${T + 5 * 60}`), 'c');
    expect(r.reasons).toEqual({ 'store-full': 1 });
    expect(read(s, 'c', 'h3', 'cpu_load', T, T + 600 * 60)).toEqual(before);
    expect(s.stats().sealedChunks).toBe(sealedBefore);
    // With room again the same sample goes in.
    expect(s.free(['c', 'h19'], T + 2 ** 30)).toBeGreaterThan(0);
    expect(s.ingest(lp(`cpu_load,cluster=c,hostname=h3 value=99 ${T + 5 * 60}`), 'c').accepted).toBe(1);
    expect(read(s, 'c', 'h3', 'cpu_load', T, T + 600 * 60).data[5]).toBe(99);
  });

  it('seals as it loads: every loaded chunk but the newest, marked saved', () => {
    const values = Float32Array.from({ length: 2000 }, (_, i) => Number(wavy(i)));
    values[7] = NaN;
    const level: LevelData = { metrics: new Map([['cpu_load', { frequency: 60, start: T, values }]]), children: new Map() };
    const sealed = makeStore();
    const raw = makeStore({ compression: false });
    for (const s of [sealed, raw]) s.loadHost('c', 'h', level);
    expect(sealed.stats()).toMatchObject({ sealedChunks: 3, samples: 2000 });
    // The newest chunk (464 values) as writing it leaves it: 7 pages packed (pack.ts), the last raw.
    expect(sealed.stats().rawBytes).toBeGreaterThan(256);
    expect(sealed.stats().rawBytes).toBeLessThanOrEqual(256 + 7 * (192 + 2));
    expect(sealed.debugDump(['c', 'h'])).toBe(raw.debugDump(['c', 'h']));
    expect(sealed.debugDump(['c', 'h'])).toContain('"saved":true');
    expect(sealed.exportHost('c', 'h', { unsavedOnly: true })!.files).toEqual([]);
    // A second file continuing the series seals the chunk that was the newest.
    const next: LevelData = {
      metrics: new Map([['cpu_load', { frequency: 60, start: T + 2048 * 60, values: values.slice(0, 600) }]]), children: new Map(),
    };
    for (const s of [sealed, raw]) s.loadHost('c', 'h', next);
    // Its first 512 values sealed straight away, the old newest chunk sealed, its last 88 a packed page and a raw one.
    expect(sealed.stats()).toMatchObject({ sealedChunks: 5 });
    expect(sealed.stats().rawBytes).toBeGreaterThan(256);
    expect(sealed.stats().rawBytes).toBeLessThanOrEqual(256 + 192 + 2);
    expect(exportBytes(sealed, 'h')).toBe(exportBytes(raw, 'h'));
  });
});

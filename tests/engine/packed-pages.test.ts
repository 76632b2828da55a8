// Packed pages (assembly/pack.ts): the full pages of the newest chunk of a
// series are held encoded while the chunk fills. What the statistics say,
// answers and exports identical to the raw engine, late samples and
// overwrites into a packed page, values no codec shrinks, and running out of
// memory while unpacking.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

function lines(host: string, from: number, n: number, value: (i: number) => string, metric = 'cpu_load'): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${metric},cluster=c,hostname=${host} value=${value(i)} ${T + (from + i) * 60}`);
  return out.join('\n');
}

const twoDecimals = (i: number) => (((i * 7919) % 10000) / 100).toFixed(2);

function exportBytes(s: Store, host: string): string {
  const e = s.exportHost('c', host, { unsavedOnly: false });
  return JSON.stringify(e?.files.map((f) => [...f.metrics].map(([m, d]) => [m, d.start, [...new Uint32Array(d.values.buffer)]])));
}

function sameAsRaw(packed: Store, raw: Store, host: string, n: number): void {
  for (const [from, to] of [[T, T + n * 60], [T + 70 * 60, T + 130 * 60], [T + 63 * 60, T + 65 * 60], [T - 600, T + 60]]) {
    expect(read(packed, 'c', host, 'cpu_load', from, to)).toEqual(read(raw, 'c', host, 'cpu_load', from, to));
  }
  expect(exportBytes(packed, host)).toBe(exportBytes(raw, host));
}

describe('packed pages of the newest chunk', () => {
  it('packs every full page of the newest chunk but the one being written', () => {
    const packed = makeStore();
    const raw = makeStore({ compression: false });
    // 300 slots: pages 0-3 full, page 4 being written.
    for (const s of [packed, raw]) expect(s.ingest(lp(lines('h', 0, 300, twoDecimals)), 'c').accepted).toBe(300);
    const a = packed.stats();
    expect(a).toMatchObject({ sealedChunks: 0, samples: 300 });
    expect(raw.stats().rawBytes).toBe(5 * 256);
    // One raw page and four packed ones, each smaller than a page by at least 64 bytes.
    expect(a.rawBytes).toBeGreaterThan(256 + 4 * 16);
    expect(a.rawBytes).toBeLessThanOrEqual(256 + 4 * (192 + 2));
    expect(a.usedBytes).toBeLessThan(raw.stats().usedBytes - 4 * 48);
    sameAsRaw(packed, raw, 'h', 300);
  });

  it('seals a chunk of packed pages as one block, the same as a chunk of raw pages', () => {
    const packed = makeStore();
    const raw = makeStore({ compression: false });
    for (const s of [packed, raw]) expect(s.ingest(lp(lines('h', 0, 600, twoDecimals)), 'c').accepted).toBe(600);
    expect(packed.stats()).toMatchObject({ sealedChunks: 1, samples: 600 });
    // The sealed block is the one a restore encodes straight from the same values (no pages in between).
    const loaded = makeStore();
    const series = raw.exportHost('c', 'h', { unsavedOnly: false })!.files[0].metrics.get('cpu_load')!;
    loaded.loadHost('c', 'h', { metrics: new Map([['cpu_load', series]]), children: new Map() });
    expect(loaded.stats().sealedChunks).toBe(1);
    expect(packed.stats().sealedBytes).toBe(loaded.stats().sealedBytes);
    sameAsRaw(packed, raw, 'h', 600);
  });

  it('takes late samples and overwrites into a packed page, and packs it again when the next page starts', () => {
    const packed = makeStore();
    const raw = makeStore({ compression: false });
    for (const s of [packed, raw]) expect(s.ingest(lp(lines('h', 0, 200, twoDecimals)), 'c').accepted).toBe(200);
    const before = packed.stats().rawBytes;
    // A gap filled late (slot 70 was never sent) and an overwrite, both in packed pages.
    const late = [`cpu_load,cluster=c,hostname=h value=1234.5 ${T + 10 * 60}`, `cpu_load,cluster=c,hostname=h value=-7.25 ${T + 130 * 60}`];
    for (const s of [packed, raw]) expect(s.ingest(lp(late.join('\n')), 'c').accepted).toBe(2);
    // Pages 0 and 2 are raw again.
    expect(packed.stats().rawBytes).toBeGreaterThan(before + 256);
    sameAsRaw(packed, raw, 'h', 200);
    expect(read(packed, 'c', 'h', 'cpu_load', T, T + 200 * 60).data[10]).toBe(1234.5);
    for (const s of [packed, raw]) expect(s.ingest(lp(lines('h', 200, 60, (i) => twoDecimals(200 + i))), 'c').accepted).toBe(60);
    // Slot 256 opened page 4: pages 3 and 2 packed (down to the packed page 1), 0 stays raw until the chunk is sealed.
    const after = packed.stats().rawBytes;
    expect(after).toBeLessThanOrEqual(before + 256 + 192 + 2);
    expect(after).toBeGreaterThan(before + 256 - 192 - 2);
    for (const s of [packed, raw]) expect(s.ingest(lp(lines('h', 260, 300, (i) => twoDecimals(260 + i))), 'c').accepted).toBe(300);
    // Sealed at slot 512: one block, as if nothing had been unpacked.
    expect(packed.stats().sealedChunks).toBe(1);
    sameAsRaw(packed, raw, 'h', 560);
  });

  it('keeps pages raw that no codec shrinks', () => {
    const packed = makeStore();
    // Random bit patterns (as floats printed in full): 4 bytes a value whatever the codec.
    let x = 12345;
    const random = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return (x / 2 ** 31 * 1e6).toPrecision(9);
    };
    const values = Array.from({ length: 300 }, random);
    expect(packed.ingest(lp(lines('h', 0, 300, (i) => values[i])), 'c').accepted).toBe(300);
    expect(packed.stats().rawBytes).toBe(5 * 256);
    const raw = makeStore({ compression: false });
    raw.ingest(lp(lines('h', 0, 300, (i) => values[i])), 'c');
    sameAsRaw(packed, raw, 'h', 300);
  });

  it('rejects an overwrite as store-full when unpacking finds no memory, and loses nothing', () => {
    const s = makeStore({ shardMemoryLimit: 2 ** 20 });
    const hosts = 400;
    let full = false;
    for (let round = 0; round < 100 && !full; round++) {
      const body: string[] = [];
      for (let h = 0; h < hosts; h++) body.push(lines(`h${h}`, round * 128, 128, (i) => twoDecimals(i + h + round)));
      full = (s.ingest(lp(body.join('\n')), 'c').reasons['store-full'] ?? 0) > 0;
    }
    expect(full).toBe(true);
    // Overwrites into packed pages, each needing a page, until one finds no memory.
    let rejected = -1;
    for (let h = 0; h < hosts && rejected < 0; h++) {
      const n = s.exportHost('c', `h${h}`, { unsavedOnly: false })!.files[0].metrics.get('cpu_load')!.values.length;
      const newestStart = Math.floor((n - 1) / 512) * 512;
      // Slot 1 of the newest chunk: in its first page, packed once the second began.
      if (n - newestStart <= 65) continue;
      const at = T + (newestStart + 1) * 60;
      const before = read(s, 'c', `h${h}`, 'cpu_load', at - 600, at + 600);
      const r = s.ingest(lp(`cpu_load,cluster=c,hostname=h${h} value=99 ${at}`), 'c');
      if (r.reasons['store-full']) {
        rejected = h;
        expect(read(s, 'c', `h${h}`, 'cpu_load', at - 600, at + 600)).toEqual(before);
      } else {
        expect(r.accepted).toBe(1);
        expect(read(s, 'c', `h${h}`, 'cpu_load', at, at + 60).data[0]).toBe(99);
      }
    }
    expect(rejected).toBeGreaterThanOrEqual(0);
  });
});

// behaviour.md section 3 against cc-backend buffer.go buffer.read, seen through
// a one-series query (MemoryStore.Read with n = 1, no resolution).
import { describe, expect, it } from 'vitest';
import { entry, ingest, makeStore, run, series, T } from './support.ts';

const read = (s: ReturnType<typeof makeStore>, from: number, to: number) => entry(s, { metric: 'load', host: 'h' }, from, to);
const nulls = (n: number) => new Array(n).fill(null);

/** Chunk A: 1, 2 at T, T+60 (start T-30, len 2). Chunk B: 3 at T+60000 (start SB = T+59970). */
function gapped() {
  const s = makeStore();
  ingest(s, series('load', 'h', [[T, 1], [T + 60, 2], [T + 60000, 3]]));
  return s;
}
const SB = T + 59970;

describe('conformance: where a read starts', () => {
  it('moves from to the first write of the oldest chunk when it lies before it', () => {
    // `for from < b.firstWrite() { if b.prev == nil { from = b.firstWrite(); break } ...}`
    expect(read(gapped(), T - 3600, T + 3600)).toMatchObject({ data: [1, 2], from: T, to: T + 120 });
  });

  it('moves from up by less than a step when it lies in [start, firstWrite)', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    expect(read(s, T - 10, T + 600)).toMatchObject({ data: [1, 2, 3], from: T, to: T + 180 });
  });

  it('keeps an off-grid from and reads on its phase', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    // t = T+17, T+77, T+137: idx = (t - (T-30)) / 60 = 0, 1, 2; T+197: idx 3 >= len, no next: break
    expect(read(s, T + 17, T + 600)).toMatchObject({ data: [1, 2, 3], from: T + 17, to: T + 197 });
  });

  it('walks back over several chunks to the one that covers from', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 60000, 2], [T + 120000, 3]]));
    expect(read(s, T + 60000, T + 60060)).toMatchObject({ data: [2], from: T + 60000, to: T + 60060 });
  });

  it('reads from exactly the start of a later chunk through the older one', () => {
    // from = SB < B.firstWrite: walk back to A; in A idx = 1000 >= cap: next chunk, idx 0, t >= start
    expect(read(gapped(), SB, SB + 10000)).toMatchObject({ data: [3], from: SB, to: SB + 60 });
  });

  it('starts past the data: empty, with from = to = the requested from', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    expect(read(s, T + 600, T + 900)).toEqual({ from: T + 600, to: T + 600, resolution: 60, avg: null, min: null, max: null });
  });
});

describe('conformance: where a read stops', () => {
  it('stops after the written values when to <= start of the next chunk', () => {
    // `if idx >= len(b.data) { if b.next == nil || to <= b.next.start { break } ...}`
    expect(read(gapped(), T, SB)).toMatchObject({ data: [1, 2], from: T, to: T + 120 });
  });

  it('reads on with NaN through the gap when to is one second past the next chunk start', () => {
    // to = SB + 1 > next.start: NaN for idx 2..511 of A, then NaN before B's start
    // (`else if t < b.start { data[i] += schema.NaN }`) until t = T + 60000 >= to
    const r = read(gapped(), T, SB + 1);
    expect(r.data).toEqual([1, 2, ...nulls(998)]);
    expect([r.from, r.to]).toEqual([T, T + 60000]);
  });

  it('reaches the next chunk when to passes its first write', () => {
    const r = read(gapped(), T, T + 60001);
    expect(r.data).toEqual([1, 2, ...nulls(998), 3]);
    expect(r.to).toBe(T + 60060);
  });

  it('reads all values when to is exactly firstWrite + len*f', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    expect(read(s, T, T + 180)).toMatchObject({ data: [1, 2, 3], to: T + 180 });
    expect(read(s, T, T + 179)).toMatchObject({ data: [1, 2, 3], to: T + 180 });
    expect(read(s, T, T + 120)).toMatchObject({ data: [1, 2], to: T + 120 });
  });
});

describe('conformance: reads across a gap between chunks', () => {
  it('gives NaN from inside the gap up to the next chunk', () => {
    // from = T+42000: walk back to A (from >= A.firstWrite); idx 700 >= cap: next chunk, t < start: NaN
    const r = read(gapped(), T + 42000, T + 60060);
    expect(r.data).toEqual([...nulls(300), 3]);
    expect([r.from, r.to]).toEqual([T + 42000, T + 60060]);
  });

  it('gives only NaN for a range that lies wholly in the gap past the old chunk capacity', () => {
    // in chunk B with t < start: NaN; the `to <= b.next.start` stop only applies past the written values
    const r = read(gapped(), T + 42000, SB);
    expect(r.data).toEqual(nulls(300));
    expect([r.from, r.to]).toEqual([T + 42000, T + 60000]);
  });

  it('gives nothing for a range in the unwritten tail of the old chunk that ends at the next start', () => {
    // t = T+6000: idx 100 < cap but >= len and to <= next.start: break at once
    expect(read(gapped(), T + 6000, SB)).toEqual({ from: T + 6000, to: T + 6000, resolution: 60, avg: null, min: null, max: null });
  });

  it('gives NaN from the unwritten tail of the old chunk on when to passes the next start', () => {
    const r = read(gapped(), T + 6000, SB + 1);
    expect(r.data).toEqual(nulls(900));
    expect(r.to).toBe(T + 60000);
  });
});

describe('conformance: empty ranges', () => {
  it('answers from == to inside the data with no data', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    expect(read(s, T + 60, T + 60)).toEqual({ from: T + 60, to: T + 60, resolution: 60, avg: null, min: null, max: null });
  });

  it('moves an empty range before the data forward to the first write (to ends up past the requested to)', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    expect(read(s, T - 600, T - 600)).toEqual({ from: T, to: T, resolution: 60, avg: null, min: null, max: null });
    expect(read(s, T - 600, T - 300)).toEqual({ from: T, to: T, resolution: 60, avg: null, min: null, max: null });
  });

  it('pads such an empty answer up to the moved from', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    // PadDataWithNull: padfront = T/60 - (T-600)/60 = 10
    const r = entry(s, { metric: 'load', host: 'h' }, T - 600, T - 600, { 'with-padding': true });
    expect(r).toEqual({ data: nulls(10), from: T, to: T, resolution: 60, avg: null, min: null, max: null });
  });
});

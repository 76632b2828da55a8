// behaviour.md section 3: reading one series over [from, to).
import { describe, expect, it } from 'vitest';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

function storeWith(samples: Array<[number, number]>, metric = 'cpu_load') {
  const store = makeStore();
  const body = samples.map(([ts, v]) => `${metric},cluster=fritz,hostname=h value=${v} ${ts}\n`).join('');
  store.ingest(lp(body), 'fritz', T);
  return store;
}

const run = (n: number, from = 0): Array<[number, number]> => Array.from({ length: n }, (_, i) => [T + (from + i) * 60, from + i]);

describe('read', () => {
  it('moves from up to the first write when it lies before all data', () => {
    const r = read(storeWith(run(3)), 'fritz', 'h', 'cpu_load', T - 3600, T + 3600);
    expect(r).toMatchObject({ data: [0, 1, 2], from: T, to: T + 180, resolution: 60 });
  });

  it('reads [from, to) on the grid of the chunk, including an off-grid from', () => {
    const store = storeWith(run(10));
    expect(read(store, 'fritz', 'h', 'cpu_load', T + 120, T + 300)).toMatchObject({ data: [2, 3, 4], from: T + 120, to: T + 300 });
    // slot = floor((t - start) / f): t = T+17 is still slot 0 (start T-30)
    expect(read(store, 'fritz', 'h', 'cpu_load', T + 17, T + 137)).toMatchObject({ data: [0, 1], from: T + 17, to: T + 137 });
  });

  it('walks back to the chunk that covers from', () => {
    const store = storeWith(run(1100));
    const r = read(store, 'fritz', 'h', 'cpu_load', T + 500 * 60, T + 530 * 60);
    expect(r.data).toEqual(Array.from({ length: 30 }, (_, i) => 500 + i));
  });

  it('stops past the written values when there is no next chunk', () => {
    const r = read(storeWith(run(5)), 'fritz', 'h', 'cpu_load', T + 120, T + 99999);
    expect(r).toMatchObject({ data: [2, 3, 4], to: T + 300 });
  });

  it('gives NaN in a gap when a later chunk starts before to, and stops when to <= its start', () => {
    const store = storeWith([...run(512), ...run(3, 520)]);
    const through = read(store, 'fritz', 'h', 'cpu_load', T + 509 * 60, T + 525 * 60);
    expect(through.data).toEqual([509, 510, 511, null, null, null, null, null, null, null, null, 520, 521, 522]);
    expect(through.to).toBe(T + 523 * 60);
  });

  it('stops past the written values of a chunk when to <= the start of the next, else reads on with NaN', () => {
    const store = storeWith([...run(5), [T + 600 * 60, 600]]);
    const next = T + 600 * 60 - 30;
    expect(read(store, 'fritz', 'h', 'cpu_load', T, next)).toMatchObject({ data: [0, 1, 2, 3, 4], to: T + 300 });
    const on = read(store, 'fritz', 'h', 'cpu_load', T, T + 601 * 60);
    expect(on.data.length).toBe(601);
    expect(on.data.slice(0, 6)).toEqual([0, 1, 2, 3, 4, null]);
    expect(on.data.filter((v: number | null) => v !== null)).toEqual([0, 1, 2, 3, 4, 600]);
    expect(on.to).toBe(T + 601 * 60);
  });

  it('gives NaN for unwritten slots inside a chunk when more data follows', () => {
    const store = storeWith([[T, 1], [T + 180, 4]]);
    expect(read(store, 'fritz', 'h', 'cpu_load', T, T + 240).data).toEqual([1, null, null, 4]);
  });

  it('leaves data out for an empty range', () => {
    const r = read(storeWith(run(5)), 'fritz', 'h', 'cpu_load', T + 60, T + 60);
    expect(r).toEqual({ from: T + 60, to: T + 60, resolution: 60, avg: null, min: null, max: null });
  });

  it('works on other frequencies', () => {
    const store = storeWith([[T + 3, 1], [T + 13, 2], [T + 23, 3]], 'ten');
    // start = T+3-5 = T-2; firstWrite = T+3
    expect(read(store, 'fritz', 'h', 'ten', T, T + 30, {})).toMatchObject({ data: [1, 2, 3], from: T + 3, to: T + 33 });
  });
});

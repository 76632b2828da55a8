// behaviour.md section 2: writing one sample into a chain of 512-slot chunks.
import { describe, expect, it } from 'vitest';
import { lp, makeStore, read } from './helpers.ts';

const T = 1725620400;

function chunks(store: ReturnType<typeof makeStore>, metric: string, host = 'h'): Array<{ start: number; len: number; end: number; saved?: boolean }> {
  return JSON.parse(store.debugDump(['fritz', host])!).data[metric];
}

function write(store: ReturnType<typeof makeStore>, metric: string, samples: Array<[number, number]>, host = 'h') {
  const body = samples.map(([ts, v]) => `${metric},cluster=fritz,hostname=${host} value=${v} ${ts}\n`).join('');
  return store.ingest(lp(body), 'fritz', T);
}

describe('write', () => {
  it('starts the first chunk half a step before the first sample', () => {
    const store = makeStore();
    write(store, 'cpu_load', [[T, 1]]);
    write(store, 'ten', [[T + 7, 1]]);
    write(store, 'fast', [[T, 1]]);
    expect(chunks(store, 'cpu_load')).toEqual([{ start: T - 30, len: 1, end: T - 30 + 60 }]);
    expect(chunks(store, 'ten')).toEqual([{ start: T + 2, len: 1, end: T + 12 }]);
    expect(chunks(store, 'fast')).toEqual([{ start: T, len: 1, end: T + 1 }]);
  });

  it('fills skipped slots with NaN and overwrites written ones', () => {
    const store = makeStore();
    write(store, 'cpu_load', [[T, 1], [T + 4 * 60, 5], [T + 60, 2], [T + 60 + 29, 3]]);
    expect(chunks(store, 'cpu_load')).toEqual([{ start: T - 30, len: 5, end: T - 30 + 5 * 60 }]);
    expect(read(store, 'fritz', 'h', 'cpu_load', T, T + 300).data).toEqual([1, 3, null, null, 5]);
  });

  it('opens a new chunk at ts - floor(f/2) when the slot is past the capacity, leaving a gap', () => {
    const store = makeStore();
    const samples: Array<[number, number]> = [];
    for (let i = 0; i < 512; i++) samples.push([T + i * 60, i]);
    samples.push([T + 515 * 60 + 10, 515]);
    write(store, 'cpu_load', samples);
    expect(chunks(store, 'cpu_load')).toEqual([
      { start: T - 30, len: 512, end: T - 30 + 512 * 60 },
      { start: T + 515 * 60 + 10 - 30, len: 1, end: T + 515 * 60 + 10 + 30 },
    ]);
    const r = read(store, 'fritz', 'h', 'cpu_load', T + 510 * 60, T + 520 * 60);
    expect(r.data).toEqual([510, 511, null, null, null, 515]);
    expect([r.from, r.to]).toEqual([T + 510 * 60, T + 516 * 60]);
  });

  it('writes a late sample into the older chunk that covers it (ours)', () => {
    const store = makeStore();
    const samples: Array<[number, number]> = [];
    for (let i = 0; i < 600; i++) samples.push([T + i * 60, i]);
    write(store, 'cpu_load', samples);
    const r = write(store, 'cpu_load', [[T + 100 * 60, -1], [T + 550 * 60, -2]]);
    expect(r).toMatchObject({ accepted: 2, rejected: 0 });
    expect(read(store, 'fritz', 'h', 'cpu_load', T + 99 * 60, T + 102 * 60).data).toEqual([99, -1, 101]);
    expect(read(store, 'fritz', 'h', 'cpu_load', T + 549 * 60, T + 552 * 60).data).toEqual([549, -2, 551]);
    expect(chunks(store, 'cpu_load').map((c) => c.len)).toEqual([512, 88]);
  });

  it('inserts a chunk for a late sample in the gap between two chunks, without overlapping the next', () => {
    const store = makeStore();
    write(store, 'cpu_load', [[T, 1], [T + 2000 * 60, 2]]);
    const r = write(store, 'cpu_load', [[T + 1000 * 60, 3], [T + 1999 * 60, 4]]);
    expect(r).toMatchObject({ accepted: 2, rejected: 0 });
    // The first late sample opens a 512-slot chunk; the second lies past it,
    // 1 step before the newest chunk: its chunk gets capacity 1.
    const c = chunks(store, 'cpu_load');
    expect(c.map((x) => x.start)).toEqual([T - 30, T + 1000 * 60 - 30, T + 1999 * 60 - 30, T + 2000 * 60 - 30]);
    expect(c.map((x) => x.len)).toEqual([1, 1, 1, 1]);
    const data = read(store, 'fritz', 'h', 'cpu_load', T + 999 * 60, T + 2001 * 60).data;
    expect(data[1]).toBe(3);
    expect(data[1000]).toBe(4);
    expect(data[1001]).toBe(2);
    expect(data.filter((v: number | null) => v !== null)).toEqual([3, 4, 2]);
  });

  it('keeps a sample older than everything held in a chunk before the oldest, on its grid (ours)', () => {
    const store = makeStore();
    write(store, 'cpu_load', [[T, 1]]);
    const r = write(store, 'cpu_load', [[T - 3600, 9], [T + 60, 2]]);
    expect(r).toMatchObject({ accepted: 2, rejected: 0, error: null });
    // Whole slots up to the oldest chunk's start: 60 of them, the first covering T - 3600.
    expect(chunks(store, 'cpu_load')).toEqual([
      { start: T - 30 - 3600, len: 1, end: T - 30 - 3600 + 60 },
      { start: T - 30, len: 2, end: T - 30 + 120 },
    ]);
    const data = read(store, 'fritz', 'h', 'cpu_load', T - 7200, T + 120).data;
    expect([data[0], data.length, data.slice(-2)]).toEqual([9, 62, [1, 2]]);
  });
});

// A single series' entry written as it is read (assembly/read-answer.ts,
// query.ts answerSeries) against the usual way (the f64 copy, then
// writeValuesOnly): the same bytes. The usual way is reached with a
// resolution above the metric's frequency on fewer than LTTB's 1,000 points,
// which LTTB leaves unchanged (the answer says the metric's frequency either
// way), so the two queries must answer alike on every shape: gaps, padding,
// ranges outside the data, -0, huge and tiny values, with and without
// statistics, padding, sealed chunks and packed pages.
import { describe, expect, it } from 'vitest';
import type { QueryRequest } from '../../src/engine/types.ts';
import type { Store } from '../../src/engine/store.ts';
import { lp, makeStore } from './helpers.ts';

const T = 1725620400;
const dec = new TextDecoder();

/** The answer's text for the query of cpu_load of `host`, with `extra` on the query and `flags` on the request. */
function answer(store: Store, host: string, from: number, to: number, extra: Record<string, unknown>, flags: Record<string, unknown>): string {
  const req = { cluster: 'c', from, to, queries: [{ metric: 'cpu_load', host, ...extra }], ...flags } as QueryRequest;
  return dec.decode(store.query(req));
}

/** Lines of cpu_load for `host`: slot i (from `first`) holds value(i), skipped where it gives null. */
function lines(host: string, first: number, n: number, value: (i: number) => string | null): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = value(i);
    if (v !== null) out.push(`cpu_load,cluster=c,hostname=${host} value=${v} ${T + (first + i) * 60}`);
  }
  return out.join('\n');
}

let seed = 4242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

const SHAPES: Record<string, (i: number) => string | null> = {
  decimals: (i) => ((i * 37) % 101 / 4).toString(),
  gaps: (i) => (i % 7 === 3 || (i > 200 && i < 260) ? null : (i % 50 * 0.25).toString()),
  zeros: (i) => (i % 3 === 0 ? '-0' : i % 3 === 1 ? '0' : '-0.0'),
  huge: (i) => [3.4e38, -3.4e38, 1e30, 1.5e-40, -1e-45, 123456789, 0.1, -7][i % 8]!.toString(),
  random: () => (rnd() < 0.05 ? null : ((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 4)).toPrecision(1 + Math.floor(rnd() * 8))),
  integers: (i) => (i * i % 1000).toString(),
};

describe('a single series written as it is read', () => {
  for (const compression of [true, false]) {
    it(`answers as the usual way does (compression ${compression ? 'on' : 'off'})`, () => {
      const store = makeStore({ compression });
      // 900 slots a host: one full (sealed) chunk, the newest with packed pages and a raw one.
      for (const [host, value] of Object.entries(SHAPES)) expect(store.ingest(lp(lines(host, 0, 900, value)), 'c').rejected ?? 0).toBe(0);
      const ranges: Array<[number, number]> = [
        [T, T + 900 * 60], [T - 50 * 60, T + 950 * 60], [T + 100 * 60 + 17, T + 700 * 60 - 5], [T + 511 * 60, T + 513 * 60],
        [T - 900 * 60, T - 10 * 60], [T + 1000 * 60, T + 1100 * 60], [T + 30, T + 31], [T + 500 * 60, T + 500 * 60],
      ];
      const flagSets = [{}, { 'with-stats': false }, { 'with-padding': false }, { 'with-data': false }, { 'with-stats': false, 'with-padding': false }];
      let compared = 0;
      for (const host of Object.keys(SHAPES)) {
        for (const [from, to] of ranges) {
          for (const flags of flagSets) {
            const direct = answer(store, host, from, to, {}, flags);
            const usual = answer(store, host, from, to, { resolution: 120 }, flags);
            expect(direct, `${host} [${from - T}, ${to - T}) ${JSON.stringify(flags)}`).toBe(usual);
            compared++;
          }
        }
      }
      expect(compared).toBe(Object.keys(SHAPES).length * ranges.length * flagSets.length);
    });
  }

  it('writes a stored -0 as 0, and a scaled 0 still as -0', () => {
    const store = makeStore();
    store.ingest(lp(lines('z', 0, 600, (i) => (i % 2 ? '-0' : '1.5'))), 'c');
    const values = (extra: Record<string, unknown>) =>
      JSON.parse(answer(store, 'z', T, T + 600 * 60, extra, { 'with-padding': false })).results[0][0].data.slice(0, 4);
    // In turns, so that neither way finds a text the other one remembered.
    for (let k = 0; k < 3; k++) {
      expect(values({})).toEqual([1.5, 0, 1.5, 0]);
      const scaled = answer(store, 'z', T, T + 60 * 4, { 'scale-by': -1 }, { 'with-padding': false });
      expect(scaled).toContain('"data":[-1.5,-0,-1.5,-0]');
      expect(answer(store, 'z', T, T + 60 * 4, {}, { 'with-padding': false })).toContain('"data":[1.5,0,1.5,0]');
    }
  });

  it('says 0, not -0, for a zero minimum or maximum of stored -0 and 0, in either lane order', () => {
    const store = makeStore();
    const shapes: Record<string, (i: number) => string> = {
      allNegativeZero: () => '-0',
      negativeFirst: (i) => (i % 2 ? '0' : '-0'),
      positiveFirst: (i) => (i % 2 ? '-0' : '0'),
      belowZero: (i) => (i % 3 === 0 ? '-2.5' : '-0'),
      aboveZero: (i) => (i % 3 === 0 ? '2.5' : '-0'),
    };
    for (const [host, value] of Object.entries(shapes)) store.ingest(lp(lines(host, 0, 700, value)), 'c');
    const expected: Record<string, string> = {
      allNegativeZero: '"avg":0,"min":0,"max":0',
      negativeFirst: '"avg":0,"min":0,"max":0',
      positiveFirst: '"avg":0,"min":0,"max":0',
      belowZero: '"min":-2.5,"max":0',
      aboveZero: '"min":0,"max":2.5',
    };
    for (const host of Object.keys(shapes)) {
      for (const [from, to] of [[T, T + 700 * 60], [T + 60, T + 9 * 60], [T + 61 * 60, T + 700 * 60]]) {
        for (const flags of [{}, { 'with-data': false }]) {
          const direct = answer(store, host, from!, to!, {}, flags);
          expect(direct, host).toContain(expected[host]);
          expect(direct).not.toMatch(/[:[,]-0[,\]}]/);
          expect(direct).toBe(answer(store, host, from!, to!, { resolution: 120 }, flags));
        }
      }
    }
  });

  it('leaves what it does not take to the usual way: points past the limit, LTTB, a scale', () => {
    const store = makeStore();
    store.ingest(lp(lines('h', 0, 1500, SHAPES.decimals!)), 'c');
    const req = (extra: Record<string, unknown>) => ({ cluster: 'c', from: T, to: T + 1500 * 60, queries: [{ metric: 'cpu_load', host: 'h', ...extra }] }) as QueryRequest;
    // 1,500 points and a limit of 1,000: the usual way refuses (the bound is checked first here).
    expect(() => store.query(req({}), { maxPoints: 1000 })).toThrow();
    expect(JSON.parse(dec.decode(store.query(req({}), { maxPoints: 1500 }))).results[0][0].data).toHaveLength(1500);
    const lttb = JSON.parse(dec.decode(store.query(req({ resolution: 120 })))).results[0][0];
    expect(lttb.resolution).toBe(120);
    expect(lttb.data).toHaveLength(750);
    const scaled = JSON.parse(dec.decode(store.query(req({ 'scale-by': 2 })))).results[0][0];
    const plain = JSON.parse(dec.decode(store.query(req({})))).results[0][0];
    expect(scaled.data.slice(0, 5)).toEqual(plain.data.slice(0, 5).map((x: number) => x * 2));
  });
});

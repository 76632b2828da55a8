// behaviour.md section 4, with-stats: avg/min/max over the non-NaN values,
// computed in 64 bits, null when there are none.
import { describe, expect, it } from 'vitest';
import { lp, makeStore, queryJson, read } from './helpers.ts';
import type { QueryRequest } from '../../src/engine/types.ts';

const T = 1725620400;

describe('statistics', () => {
  it('skips NaN and computes in 64 bits', () => {
    const s = makeStore();
    const values = Array.from({ length: 500 }, (_, i) => (i % 7 === 3 ? null : Math.fround(0.1 + i / 1000)));
    const lines = values.flatMap((v, i) => (v === null ? [] : [`cpu_load,cluster=c,hostname=h value=${v} ${T + i * 60}`]));
    s.ingest(lp(lines.join('\n')), 'c', T);
    const r = read(s, 'c', 'h', 'cpu_load', T, T + 500 * 60);
    const xs = values.filter((v): v is number => v !== null);
    const sum = xs.reduce((a, b) => a + b, 0);
    expect(Math.fround(r.avg)).toBe(Math.fround(sum / xs.length));
    expect(Math.fround(r.min)).toBe(Math.min(...xs));
    expect(Math.fround(r.max)).toBe(Math.max(...xs));
    expect(r.data.filter((v: unknown) => v === null)).toHaveLength(values.filter((v) => v === null).length - (values[499] === null ? 1 : 0));
  });

  it('is null when there are no values in range', () => {
    const s = makeStore();
    s.ingest(lp(`cpu_load,cluster=c,hostname=h value=1 ${T}\ncpu_load,cluster=c,hostname=h value=2 ${T + 600}\n`), 'c', T);
    const r = read(s, 'c', 'h', 'cpu_load', T + 60, T + 540);
    expect(r).toEqual({ data: [null, null, null, null, null, null, null, null], from: T + 60, to: T + 540, resolution: 60, avg: null, min: null, max: null });
  });

  it('is scaled with the data (a negative factor does not swap min and max, as in the reference)', () => {
    const s = makeStore();
    s.ingest(lp(`cpu_load,cluster=c,hostname=h value=1 ${T}\ncpu_load,cluster=c,hostname=h value=3 ${T + 60}\n`), 'c', T);
    expect(read(s, 'c', 'h', 'cpu_load', T, T + 120, { 'scale-by': -2 })).toMatchObject({ data: [-2, -6], avg: -4, min: -2, max: -6 });
  });
});

// valueStats (an answer without data) works four values a turn; writeValues
// (with data) one at a time, in slot order. Both must give the same bits.
/**
 * The statistics of an answer's data as the reference makes them: the values
 * in slot order, summed in 64 bits, the first of equal minima (maxima) kept;
 * each as the 32-bit float the answer writes.
 */
function statsOfAnswered(data: Array<number | null>) {
  let count = 0;
  let sum = 0;
  let mn = Number.MAX_VALUE;
  let mx = -Number.MAX_VALUE;
  for (const v of data) {
    if (v === null) continue;
    const x = Math.fround(v);
    count++;
    sum += x;
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  if (count === 0) return { avg: null, min: null, max: null };
  return { avg: Math.fround(sum / count), min: Math.fround(mn), max: Math.fround(mx) };
}

function roundedStats(r: { avg: number | null; min: number | null; max: number | null }) {
  const f = (v: number | null) => (v === null ? null : Math.fround(v));
  return { avg: f(r.avg), min: f(r.min), max: f(r.max) };
}

describe('statistics without data', () => {
  const pick = (r: any) => ({ avg: r.avg, min: r.min, max: r.max });
  const stats = (s: any, from: number, to: number, withData: boolean, extra: Record<string, unknown> = {}) =>
    queryJson(s, { cluster: 'c', from, to, 'with-data': withData, 'with-padding': false, queries: [{ metric: 'cpu_load', host: 'h', ...extra }] } as QueryRequest)
      .results[0][0];

  it('match the statistics written with the data, for every length and mix of values', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const kinds = [
      () => Math.fround((rnd() - 0.5) * 200),
      () => 0,
      () => Math.fround(rnd() * 1e30),
      () => -Math.fround(rnd() * 1e-30),
      () => 3.5,
    ];
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 31, 64, 65, 100, 511, 513, 1500]) {
      for (const [missRate, compression] of [[0, true], [0.1, true], [0.9, true], [0, false], [0.1, false], [0.9, false]] as const) {
        const s = makeStore({ compression });
        const kind = kinds[n % kinds.length];
        const lines: string[] = [];
        for (let i = 0; i < n; i++) {
          if (i > 0 && rnd() < missRate) continue;
          const v = rnd() < 0.3 ? kinds[Math.floor(rnd() * kinds.length)]() : kind();
          lines.push(`cpu_load,cluster=c,hostname=h value=${v} ${T + i * 60}`);
        }
        s.ingest(lp(lines.join('\n')), 'c', T);
        const to = T + n * 60;
        const whole = stats(s, T, to, true);
        const bare = stats(s, T, to, false);
        expect(bare.data).toBeUndefined();
        expect(pick(bare)).toEqual(pick(whole));
        // Both are gathered as the series is read now: against the values answered, summed here in slot order.
        expect(roundedStats(pick(whole))).toEqual(statsOfAnswered(whole.data));
        // Scaled, and from a later slot (another alignment of the lanes).
        expect(pick(stats(s, T + 60, to, false, { 'scale-by': 3 }))).toEqual(pick(stats(s, T + 60, to, true, { 'scale-by': 3 })));
        // Resampled (the statistics of the points LTTB keeps).
        expect(pick(stats(s, T, to, false, { resolution: 180 }))).toEqual(pick(stats(s, T, to, true, { resolution: 180 })));
      }
    }
  });

  it('of a series of zeros and missing slots is zero, and null with no values at all', () => {
    const s = makeStore();
    const lines = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? '' : `cpu_load,cluster=c,hostname=h value=${i % 2 ? '-0' : '0'} ${T + i * 60}`)).filter(Boolean);
    s.ingest(lp(lines.join('\n')), 'c', T);
    const r = stats(s, T, T + 40 * 60, false);
    expect(pick(r)).toEqual({ avg: 0, min: 0, max: 0 });
    expect(Object.is(r.min, 0) && Object.is(r.max, 0)).toBe(true);
    const withData = stats(s, T, T + 40 * 60, true);
    expect(pick(withData)).toEqual({ avg: 0, min: 0, max: 0 });
    expect(Object.is(withData.min, r.min) && Object.is(withData.max, r.max)).toBe(true);
    expect(pick(stats(s, T + 41 * 60, T + 60 * 60, false))).toEqual({ avg: null, min: null, max: null });
  });
});

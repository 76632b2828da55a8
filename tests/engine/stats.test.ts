// behaviour.md section 4, with-stats: avg/min/max over the non-NaN values,
// computed in 64 bits, null when there are none.
import { describe, expect, it } from 'vitest';
import { lp, makeStore, read } from './helpers.ts';

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

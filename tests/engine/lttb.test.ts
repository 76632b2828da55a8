// behaviour.md section 4, resolution: LTTB only when the resolution is a
// larger multiple of the frequency and there are at least 1000 points, with
// the rules of cc-lib's resampler (compared with a port of it).
import { describe, expect, it } from 'vitest';
import { lp, makeStore, queryJson } from './helpers.ts';

const T = 1725620400;

/** cc-lib resampler.LargestTriangleThreeBucket, in 64-bit arithmetic. */
function referenceLttb(data: number[], oldF: number, newF: number): [number[], number] | string {
  if (oldF === 0 || newF === 0 || newF <= oldF) return [data, oldF];
  if (newF % oldF !== 0) return `new sampling frequency (${newF}) must be a multiple of old frequency (${oldF})`;
  const step = Math.trunc(newF / oldF);
  const newLen = Math.trunc(data.length / step);
  if (newLen === 0 || data.length < 1000 || newLen >= data.length) return [data, oldF];
  const out = [data[0]];
  const bucketSize = (data.length - 2) / (newLen - 2);
  let bucketLow = 1;
  let bucketMiddle = Math.floor(bucketSize) + 1;
  let prev = 0;
  for (let i = 0; i < newLen - 2; i++) {
    let bucketHigh = Math.floor((i + 2) * bucketSize) + 1;
    if (bucketHigh >= data.length - 1) bucketHigh = data.length - 2;
    let avgX = 0;
    let avgY = 0;
    let hasNaN = false;
    for (let j = bucketMiddle, x = bucketMiddle; j <= bucketHigh; j++, x++) {
      avgX += x;
      avgY += data[j];
      if (Number.isNaN(data[j])) hasNaN = true;
    }
    const l = bucketHigh + 1 - bucketMiddle;
    avgX /= l;
    avgY /= l;
    if (hasNaN) avgY = NaN;
    const pX = prev;
    const pY = data[prev];
    let maxArea = -1;
    let maxPoint = 0;
    for (let c = bucketLow; c < bucketMiddle; c++) {
      const area = Math.abs(((pX - c) * (avgY - pY) - (pX - avgX) * (data[c] - pY)) * 0.5);
      if (area > maxArea || Number.isNaN(area)) {
        maxArea = area;
        maxPoint = c;
      }
    }
    out.push(data[maxPoint]);
    prev = maxPoint;
    bucketLow = bucketMiddle;
    bucketMiddle = bucketHigh;
  }
  out.push(data[data.length - 1]);
  return [out, newF];
}

function storeWithPoints(n: number, nanEvery = 0) {
  const s = makeStore();
  const values: number[] = [];
  const lines: string[] = [];
  let seed = 99;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const v = Math.fround(((seed >>> 8) % 100000) / 100);
    if (nanEvery && i % nanEvery === 7) {
      values.push(NaN);
      continue;
    }
    values.push(v);
    lines.push(`cpu_load,cluster=fritz,hostname=h value=${v} ${T + i * 60}`);
  }
  s.ingest(lp(lines.join('\n')), 'fritz', T);
  return { s, values };
}

function resampled(s: ReturnType<typeof makeStore>, n: number, resolution: number) {
  return queryJson(s, { cluster: 'fritz', from: T, to: T + n * 60, queries: [{ metric: 'cpu_load', host: 'h', resolution }], 'with-padding': false }).results[0][0];
}

describe('LTTB', () => {
  it('downsamples at >= 1000 points exactly like the reference, NaN included', () => {
    for (const [n, nanEvery] of [[1000, 0], [2880, 0], [2880, 13], [4321, 50]]) {
      const { s, values } = storeWithPoints(n, nanEvery);
      for (const res of [120, 300, 600, 3600]) {
        const got = resampled(s, n, res);
        const want = referenceLttb(values, 60, res) as [number[], number];
        expect(got.resolution).toBe(want[1]);
        expect(got.data.map((v: number | null) => (v === null ? NaN : Math.fround(v)))).toEqual(want[0]);
      }
    }
  });

  it('leaves fewer than 1000 points alone and reports the frequency', () => {
    const { s } = storeWithPoints(999);
    const r = resampled(s, 999, 600);
    expect(r.data).toHaveLength(999);
    expect(r.resolution).toBe(60);
  });

  it('leaves the data alone when the resolution is not larger than the frequency', () => {
    const { s } = storeWithPoints(1500);
    for (const res of [0, 30, 60, 45]) {
      const r = resampled(s, 1500, res);
      expect([r.data.length, r.resolution]).toEqual([1500, 60]);
    }
  });

  it('is an error when the resolution is not a multiple of the frequency', () => {
    const { s } = storeWithPoints(10);
    expect(resampled(s, 10, 90)).toEqual({
      error: 'new sampling frequency (90) must be a multiple of old frequency (60)', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0,
    });
  });

  it('computes statistics over the downsampled data', () => {
    const { s } = storeWithPoints(2000);
    const r = resampled(s, 2000, 600);
    const xs = r.data.filter((v: number | null) => v !== null).map(Math.fround);
    expect(Math.fround(r.max)).toBe(Math.max(...xs));
    expect(Math.fround(r.min)).toBe(Math.min(...xs));
  });
});

// behaviour.md section 4 (resolution) against cc-lib resampler
// LargestTriangleThreeBucket and validateFrequency, called from Read after
// aggregation; AddStats then runs over the downsampled data.
import { describe, expect, it } from 'vitest';
import { entry, errorEntry, ingest, makeStore, MSG, run, series, T } from './support.ts';

/** `one` (f = 1) with the given values at T, T+1, ... */
function ones(values: number[]) {
  const s = makeStore();
  expect(ingest(s, series('one', 'h', run(values, 0, 1))).error).toBeNull();
  return s;
}
const at = (s: ReturnType<typeof makeStore>, resolution: number, from = T, to = T + 100000, extra = {}) =>
  entry(s, { metric: 'one', host: 'h', resolution }, from, to, extra);
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('conformance: when data is resampled', () => {
  const s = makeStore();
  ingest(s, series('load', 'h', run(iota(10))));
  const load = (resolution: number, host = 'h') => entry(s, { metric: 'load', host, resolution }, T, T + 600);

  it('keeps the data and reports the frequency for resolution 0, = f, < f or negative', () => {
    // validateFrequency: `if oldFrequency == 0 || newFrequency == 0 || newFrequency <= oldFrequency { return -1, 0, nil }`
    for (const r of [0, 60, 45, 1, -60, -90]) expect(load(r)).toMatchObject({ data: iota(10), resolution: 60 });
  });

  it('refuses a larger resolution that is not a multiple, even for few points', () => {
    // `if newFrequency%oldFrequency != 0` comes before the 1000-point check
    expect(load(90)).toEqual(errorEntry(MSG.resolution(90, 60)));
    expect(load(61)).toEqual(errorEntry(MSG.resolution(61, 60)));
  });

  it('checks the resolution only once data was found', () => {
    expect(load(90, 'nohost')).toBeUndefined();
    expect(entry(s, { metric: 'load', host: 'h', resolution: 90 }, T + 60, T)).toEqual(errorEntry(MSG.range));
  });

  it('keeps 999 points, resamples 1000', () => {
    // `(lenData < MinimumRequiredPoints)` with MinimumRequiredPoints = 1000
    expect(at(ones(iota(999)), 2)).toMatchObject({ resolution: 1 });
    expect(at(ones(iota(999)), 2).data).toHaveLength(999);
    const r = at(ones(iota(1000)), 2);
    expect(r.resolution).toBe(2);
    expect(r.data).toHaveLength(500);
  });

  it('decides on the points read, not on the padded length', () => {
    const r = at(ones(iota(999)), 2, T - 10, T + 100000, { 'with-padding': true });
    expect(r.resolution).toBe(1);
    expect(r.data).toHaveLength(1009);
  });

  it('keeps the data when a step leaves no point (newDataLength == 0)', () => {
    expect(at(ones(iota(1000)), 1001)).toMatchObject({ resolution: 1 });
    expect(at(ones(iota(1000)), 1001).data).toHaveLength(1000);
  });
});

describe('conformance: LTTB on degenerate bucket counts', () => {
  const s = ones(iota(1000));

  it('3 buckets: first, the last point of the middle bucket (NaN areas), last', () => {
    // newDataLength 3: bucketSize 998, bucketMiddle 999, bucketHigh clamped to 998: the next bucket
    // data[999:999] is empty, its average NaN, every area NaN: `if area > maxArea || math.IsNaN(area)` keeps the last
    expect(at(s, 300)).toMatchObject({ data: [0, 998, 999], resolution: 300 });
  });

  it('2 buckets: first and last', () => {
    expect(at(s, 500)).toMatchObject({ data: [0, 999], resolution: 500 });
  });

  it('1 bucket: still first and last (two points)', () => {
    // bucketSize = 998 / (1 - 2) < 0: the loop `for i := 0; i < newDataLength-2` does not run
    expect(at(s, 600)).toMatchObject({ data: [0, 999], resolution: 600 });
    expect(at(s, 1000)).toMatchObject({ data: [0, 999], resolution: 1000 });
  });
});

describe('conformance: LTTB picks', () => {
  // 1000 points, step 2: 500 points; bucket i (output index 1 + i) covers
  // [floor(i*bs)+1, floor((i+1)*bs)+1) with bs = 998/498; index 501 lies in bucket 249 -> output 250.
  it('keeps a spike and computes the stats over the downsampled points', () => {
    const values = new Array(1000).fill(0);
    values[501] = 100;
    const r = at(ones(values), 2);
    const want = new Array(500).fill(0);
    want[250] = 100;
    expect(r.data).toEqual(want);
    // AddStats runs on the resampled data: avg = 100 / 500, not 100 / 1000
    expect(r).toMatchObject({ avg: 0.2, min: 0, max: 100 });
  });

  it('picks the NaN point of a bucket and the last point of the buckets whose area turns NaN', () => {
    const values = new Array(1000).fill(1);
    values[501] = Number.NaN;
    const s = makeStore();
    // write 1 everywhere except index 501 (a gap of one slot reads as NaN)
    ingest(s, series('one', 'h', run(values, 0, 1).filter(([, v]) => !Number.isNaN(v))));
    const r = at(s, 2);
    const want: Array<number | null> = new Array(500).fill(1);
    want[250] = null;
    expect(r.data).toEqual(want);
    expect(r).toMatchObject({ avg: 1, min: 1, max: 1 });
  });

  it('pads in steps of the frequency, not of the resolution', () => {
    // PadDataWithNull uses minfo.Frequency: 10 s before the data = 10 NaN in front of 2 s points
    const r = at(ones(iota(1000)), 2, T - 10, T + 100000, { 'with-padding': true });
    expect(r.resolution).toBe(2);
    expect(r.data).toHaveLength(510);
    expect(r.data.slice(0, 11)).toEqual([...new Array(10).fill(null), 0]);
  });

  it('resamples after aggregation', () => {
    const s = makeStore();
    const a = new Array(1000).fill(0);
    const b = new Array(1000).fill(0);
    a[501] = 60;
    b[501] = 40;
    ingest(s, series('one', 'h', run(a, 0, 1), ',type=core,type-id=0') + series('one', 'h', run(b, 0, 1), ',type=core,type-id=1'));
    const r = at(s, 2);
    expect(r.data[250]).toBe(100);
    expect(r.data.filter((x: number) => x !== 0)).toEqual([100]);
  });
});

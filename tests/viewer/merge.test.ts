import { describe, expect, it } from 'vitest';
import { chartLayout } from '../../src/viewer/chart-data.ts';
import { heldSlots, mergedStats, mergeSeries, spanSlots, type MergedSeries } from '../../src/viewer/merge.ts';
import { MAX_PADDING_SLOTS, type Series } from '../../src/viewer/series.ts';

const nan = NaN;
/** 2026-12-01 19:00:00 UTC, on the 60 s grid of 1970-01-01 00:00. */
const TODAY = 1796151600;

const s = (start: number, v: number[], source: string, frequency = 60, path = ['c', 'h']): Series => ({
  path,
  metric: 'm',
  frequency,
  start,
  values: Float32Array.from(v),
  sources: [source],
});
const runs = (m: MergedSeries | undefined) => (m?.runs ?? []).map((r) => [r.start, Array.from(r.values)]);

describe('mergeSeries', () => {
  it('joins a snapshot and the log after it into one run', () => {
    const [joined, ...rest] = mergeSeries([s(1000, [1, 2], 'a.bin'), s(1180, [4], 'current.wal')]);
    expect(rest).toEqual([]);
    expect(runs(joined)).toEqual([[1000, [1, 2, nan, 4]]]);
    expect(joined.sources).toEqual(['a.bin', 'current.wal']);
  });

  it('lets the later file win a slot both hold, but not with a missing value', () => {
    const [joined] = mergeSeries([s(1000, [1, 2, 3], 'a'), s(1060, [9, nan], 'b')]);
    expect(runs(joined)).toEqual([[1000, [1, 9, 3]]]);
  });

  it('lets the later file win whatever order the pieces start in', () => {
    const [joined] = mergeSeries([s(1060, [7, 8], 'a'), s(1000, [1, 2, 3], 'b')]);
    expect(runs(joined)).toEqual([[1000, [1, 2, 3]]]);
  });

  it('keeps series of different frequencies apart', () => {
    expect(mergeSeries([s(1000, [1], 'a', 60), s(1000, [2], 'b', 10)])).toHaveLength(2);
  });

  it('pads a gap of MAX_PADDING_SLOTS, and keeps pieces one slot further apart as runs', () => {
    const end = 1000 + 2 * 60; // the slot after the first piece
    const [near] = mergeSeries([s(1000, [1, 2], 'a'), s(end + MAX_PADDING_SLOTS * 60, [3], 'b')]);
    expect(near.runs).toHaveLength(1);
    expect(heldSlots(near)).toBe(2 + MAX_PADDING_SLOTS + 1);
    const [far] = mergeSeries([s(1000, [1, 2], 'a'), s(end + (MAX_PADDING_SLOTS + 1) * 60, [3], 'b')]);
    expect(runs(far)).toEqual([
      [1000, [1, 2]],
      [end + (MAX_PADDING_SLOTS + 1) * 60, [3]],
    ]);
  });

  it('holds a piece from 1970 and today\'s without padding the 56 years between, stats over both', () => {
    const today = Array.from({ length: 120 }, (_, i) => (i === 7 ? nan : 10 + (i % 5)));
    const pieces = [s(60, [500, 2], '1796151000.bin'), s(TODAY, today, '1796151001.bin')];
    const [joined, ...rest] = mergeSeries(pieces);
    expect(rest).toEqual([]);
    expect(joined.runs.map((r) => r.start)).toEqual([60, TODAY]);
    // What is held is what the files held: 122 slots, not the 29 million the span has.
    expect(heldSlots(joined)).toBe(122);
    expect(joined.runs[0].values).toBe(pieces[0].values); // a lone piece is kept, not copied
    expect(spanSlots(joined)).toBe((TODAY - 60) / 60 + 120);
    const present = [500, 2, ...today.filter((v) => !Number.isNaN(v))];
    expect(mergedStats(joined)).toEqual({
      count: 121,
      min: 2,
      max: 500,
      avg: present.reduce((a, b) => a + b, 0) / present.length,
    });
    expect(joined.sources).toEqual(['1796151000.bin', '1796151001.bin']);
  });

  it('joins a merged series with the next file again', () => {
    const first = mergeSeries([s(60, [1], 'a'), s(TODAY, [2], 'b')]);
    const [again] = mergeSeries([...first, s(TODAY + 60, [3], 'c')]);
    expect(runs(again)).toEqual([
      [60, [1]],
      [TODAY, [2, 3]],
    ]);
    expect(again.sources).toEqual(['a', 'b', 'c']);
  });
});

describe('chartLayout', () => {
  it('cuts the 56 years between a 1970 piece and today\'s out of the axis, leaving one null slot', () => {
    const [joined] = mergeSeries([s(60, [500, 2], 'a'), s(TODAY, [10, nan, 12], 'b')]);
    const { data, breaks } = chartLayout([joined]);
    expect(data).toEqual([
      [60, 120, 180, TODAY, TODAY + 60, TODAY + 120],
      [500, 2, null, 10, null, 12],
    ]);
    expect(breaks).toEqual([2]);
  });

  it('keeps a gap on the axis while it is no wider than the data, the shortest first', () => {
    const hours = (n: number, from: number) => s(from, Array.from({ length: n * 60 }, () => 1), 'x');
    // 10 h, a 9 h gap, 1 h, a 30 h gap, 1 h: 12 h of data keeps the 9 h gap, not the 30 h one.
    const a = hours(10, TODAY);
    const b = hours(1, TODAY + 19 * 3600);
    const c = hours(1, TODAY + 50 * 3600);
    const [joined] = mergeSeries([a, b, c]);
    expect(joined.runs).toHaveLength(3);
    const { data, breaks } = chartLayout([joined]);
    expect(breaks).toEqual([20 * 60]);
    expect(data[0]).toHaveLength(20 * 60 + 1 + 60);
    expect(data[0][breaks[0] - 1]).toBe(TODAY + 20 * 3600 - 60);
    expect(data[0][breaks[0] + 1]).toBe(TODAY + 50 * 3600);
  });

  it('draws a gap a run would be padded over to scale, however little data there is', () => {
    const { breaks, data } = chartLayout([s(0, [1], 'a'), s(60 * (1 + MAX_PADDING_SLOTS), [2], 'b', 60, ['c', 'h', 's0'])]);
    expect(breaks).toEqual([]);
    expect(data[0]).toHaveLength(MAX_PADDING_SLOTS + 2);
    expect(data[1][0]).toBe(1);
    expect(data[2][MAX_PADDING_SLOTS + 1]).toBe(2);
  });

  it('cuts long gaps off one grid as well', () => {
    const [slow] = mergeSeries([s(60, [1], 'a', 60), s(TODAY, [2, 3], 'b', 60)]);
    const fast = s(TODAY + 30, [7], 'c', 10, ['c', 'h', 's0']);
    const { data, breaks } = chartLayout([slow, fast]);
    expect(data).toEqual([
      [60, 70, TODAY, TODAY + 30, TODAY + 60],
      [1, null, 2, null, 3],
      [null, null, null, 7, null],
    ]);
    expect(breaks).toEqual([1]);
  });
});

import { describe, expect, it } from 'vitest';
import type { LevelData, SampleColumns } from '../../src/engine/types.ts';
import {
  inferFrequency,
  MAX_PADDING_SLOTS,
  seriesFromArchiveRows,
  seriesFromLevel,
  seriesFromSamples,
  seriesStats,
  type Series,
} from '../../src/viewer/series.ts';

const nan = NaN;

function samples(rows: Array<[ts: number, value: number, metric: string, path: string[]]>): SampleColumns {
  const metrics: string[] = [];
  const paths: string[][] = [];
  const index = <T>(list: T[], item: T, same: (a: T) => boolean) => {
    const i = list.findIndex(same);
    if (i >= 0) return i;
    list.push(item);
    return list.length - 1;
  };
  return {
    count: rows.length,
    ts: Float64Array.from(rows.map((r) => r[0])),
    value: Float32Array.from(rows.map((r) => r[1])),
    metric: Uint32Array.from(rows.map((r) => index(metrics, r[2], (m) => m === r[2]))),
    metrics,
    path: Uint32Array.from(rows.map((r) => index(paths, r[3], (p) => p.join('/') === r[3].join('/')))),
    paths,
  };
}

const values = (s: Series | undefined) => Array.from(s?.values ?? []);

describe('seriesFromLevel', () => {
  it('lists every series of a tree below the cluster and host, depth first', () => {
    const leaf = (start: number, v: number[]) => ({ frequency: 60, start, values: Float32Array.from(v) });
    const root: LevelData = {
      metrics: new Map([['cpu_load', leaf(100, [1, nan, 3])]]),
      children: new Map([
        [
          'socket0',
          {
            metrics: new Map([['mem_bw', leaf(100, [5])]]),
            children: new Map([['core1', { metrics: new Map([['ipc', leaf(160, [0.5])]]), children: new Map() }]]),
          },
        ],
      ]),
    };
    const list = seriesFromLevel(['fritz', 'f0201'], root, 'a.bin');
    expect(list.map((s) => [s.path.join('/'), s.metric, s.start])).toEqual([
      ['fritz/f0201', 'cpu_load', 100],
      ['fritz/f0201/socket0', 'mem_bw', 100],
      ['fritz/f0201/socket0/core1', 'ipc', 160],
    ]);
    expect(values(list[0])).toEqual([1, nan, 3]);
    expect(list[0].sources).toEqual(['a.bin']);
  });
});

describe('seriesFromSamples', () => {
  it('groups by level and metric, infers the frequency and leaves NaN in the holes', () => {
    const cols = samples([
      [1000, 1, 'cpu_load', []],
      [1000, 7, 'cpu_user', ['hwthread0']],
      [1060, 2, 'cpu_load', []],
      [1180, 4, 'cpu_load', []], // 1120 is missing
      [1061, 8, 'cpu_user', ['hwthread0']], // a second of jitter either way
      [1119, 9, 'cpu_user', ['hwthread0']],
    ]);
    const list = seriesFromSamples(['c', 'h'], cols, 'current.wal');
    const load = list.find((s) => s.metric === 'cpu_load');
    expect(load).toMatchObject({ path: ['c', 'h'], frequency: 60, start: 1000 });
    expect(values(load)).toEqual([1, 2, nan, 4]);
    const user = list.find((s) => s.metric === 'cpu_user');
    expect(user).toMatchObject({ path: ['c', 'h', 'hwthread0'], frequency: 60, start: 1000 });
    expect(values(user)).toEqual([7, 8, 9]);
  });

  it('takes the frequency of a metric from the list it is given', () => {
    const cols = samples([
      [1000, 1, 'mem_used', []],
      [1120, 3, 'mem_used', []],
    ]);
    const [s] = seriesFromSamples(['c', 'h'], cols, 'current.wal', { mem_used: 60 });
    expect(s.frequency).toBe(60);
    expect(values(s)).toEqual([1, nan, 3]);
  });

  it('sorts samples that arrived out of order, the later of two for one slot winning', () => {
    const cols = samples([
      [1120, 3, 'm', []],
      [1000, 1, 'm', []],
      [1060, 2, 'm', []],
      [1060, 9, 'm', []],
    ]);
    const [s] = seriesFromSamples(['c', 'h'], cols, 'current.wal');
    expect(s.start).toBe(1000);
    expect(values(s)).toEqual([1, 9, 3]);
  });

  it('reports progress up to the number of samples', () => {
    const cols = samples([
      [1000, 1, 'a', []],
      [1000, 2, 'b', []],
      [1060, 3, 'a', []],
    ]);
    const seen: number[] = [];
    seriesFromSamples(['c', 'h'], cols, 'w', {}, (done, total) => seen.push(done / total));
    expect(seen.at(-1)).toBe(1);
  });

  it('splits a series at a gap longer than MAX_PADDING_SLOTS into pieces, padding none of it', () => {
    const today = 1725620000;
    const cols = samples([
      [60, 1, 'cpu_load', []], // a node booted with its clock at 1970
      [today, 2, 'cpu_load', []],
      [today + 2, 3, 'cpu_load', []],
      [today + 2 + MAX_PADDING_SLOTS + 1, 4, 'cpu_load', []], // MAX_PADDING_SLOTS missing: still one run
      [today + 2 + 2 * MAX_PADDING_SLOTS + 3, 5, 'cpu_load', []], // one more: a new piece
    ]);
    const list = seriesFromSamples(['c', 'h'], cols, 'w', { cpu_load: 1 });
    expect(list.map((s) => [s.path.join('/'), s.metric, s.frequency, s.start, s.values.length])).toEqual([
      ['c/h', 'cpu_load', 1, 60, 1],
      ['c/h', 'cpu_load', 1, today, MAX_PADDING_SLOTS + 4],
      ['c/h', 'cpu_load', 1, today + 2 * MAX_PADDING_SLOTS + 5, 1],
    ]);
    expect(values(list[1]).filter((v) => !Number.isNaN(v))).toEqual([2, 3, 4]);
    expect(values(list[2])).toEqual([5]);
  });
  it('splits at a long gap too when repeated samples of one slot make the series look dense', () => {
    const rows: Array<[number, number, string, string[]]> = Array.from({ length: 600 }, (_, i) => [1000, i, 'm', []]);
    rows.push([1000 + 60 * (MAX_PADDING_SLOTS + 2), 7, 'm', []]);
    const list = seriesFromSamples(['c', 'h'], samples(rows), 'w', { m: 60 });
    expect(list.map((s) => [s.start, values(s)])).toEqual([
      [1000, [599]],
      [1000 + 60 * (MAX_PADDING_SLOTS + 2), [7]],
    ]);
  });
});

describe('inferFrequency', () => {
  it('is the usual step, gaps and jitter left out', () => {
    expect(inferFrequency([0, 10, 20, 30, 100, 110, 121])).toBe(10);
    expect(inferFrequency([0, 60, 60, 120])).toBe(60);
    expect(inferFrequency([0, 61, 119, 182, 240, 481])).toBe(60);
  });
  it('falls back to 60 s for a lone sample', () => {
    expect(inferFrequency([5])).toBe(60);
  });
});

describe('seriesFromArchiveRows', () => {
  it('groups rows by cluster, host, level and metric; scope node is the host level', () => {
    const rows = [
      ['fritz', 'f1', 'cpu_load', 'node', '', 1000, 60, 1],
      ['fritz', 'f1', 'cpu_load', 'node', '', 1120, 60, 3],
      ['fritz', 'f1', 'cpu_user', 'hwthread', '3', 1000, 60, 5],
      ['fritz', 'f2', 'cpu_load', 'node', '', 1060, 60, 9],
    ] as const;
    const col = (k: number) => rows.map((r) => r[k]) as never;
    const list = seriesFromArchiveRows(
      {
        count: rows.length,
        cluster: col(0),
        hostname: col(1),
        metric: col(2),
        scope: col(3),
        scopeId: col(4),
        timestamp: Float64Array.from(col(5)),
        frequency: Float64Array.from(col(6)),
        value: Float32Array.from(col(7)),
      },
      'a.parquet',
    );
    expect(list.map((s) => [s.path.join('/'), s.metric, s.start, values(s)])).toEqual([
      ['fritz/f1', 'cpu_load', 1000, [1, nan, 3]],
      ['fritz/f1/hwthread3', 'cpu_user', 1000, [5]],
      ['fritz/f2', 'cpu_load', 1060, [9]],
    ]);
  });
});

describe('seriesStats', () => {
  it('ignores missing values', () => {
    expect(seriesStats([1, nan, 3, nan, 8])).toEqual({ avg: 4, min: 1, max: 8, count: 3 });
  });
  it('is NaN throughout for a series with no value', () => {
    const stats = seriesStats([nan]);
    expect(stats.count).toBe(0);
    expect(stats.avg).toBeNaN();
    expect(stats.min).toBeNaN();
  });
});

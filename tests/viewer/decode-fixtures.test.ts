// The viewer's decoding entry point on the independent encoder's fixtures
// (../shared/fixtures/README.md): every value listed there must come back as a series.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWalRecords, walFileHeader } from '../../src/persist/format/index.ts';
import { decodeFile, mergeSeries, seriesStats, type AnySeries, type DecodeProgress, type Series } from '../../src/viewer/index.ts';
import { fixturesDir } from '../support/shared.ts';
import { archiveFixtureHost, JSON_HOST_FILE } from './archive-fixture.ts';

const WAL_HOST = () => join(fixturesDir(), 'checkpoints-wal/fritz/f0201');
const START = 1725620030;

const read = (path: string) => new Uint8Array(readFileSync(path));
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const find = <T extends AnySeries>(list: T[], path: string, metric: string): T => {
  const s = list.find((x) => x.path.join('/') === path && x.metric === metric);
  if (!s) throw new Error(`no ${path} ${metric} in ${list.map((x) => `${x.path.join('/')}:${x.metric}`).join(', ')}`);
  return s;
};
const values = (s: Series) => Array.from(s.values);

describe('decodeFile on the .bin snapshot', async () => {
  const file = await decodeFile('1725620000.bin', read(join(WAL_HOST(), '1725620000.bin')), {
    relativePath: 'checkpoints-wal/fritz/f0201/1725620000.bin',
  });

  it('knows the format and the period, and names cluster and host from the path', () => {
    expect(file).toMatchObject({ kind: 'bin', from: 1725620000, to: 1725623600 });
    expect(file.series).toHaveLength(2 + 4 + 2);
    for (const s of file.series) {
      expect(s.path.slice(0, 2)).toEqual(['fritz', 'f0201']);
      expect(s).toMatchObject({ frequency: 60, start: START });
      expect(s.values).toHaveLength(60);
    }
  });

  it('holds every value of the README', () => {
    expect(values(find(file.series, 'fritz/f0201', 'cpu_load'))).toEqual(range(60, (i) => (i === 10 || i === 11 ? NaN : i * 0.5)));
    expect(values(find(file.series, 'fritz/f0201', 'mem_used'))).toEqual(range(60, (i) => 1000.25 + i));
    for (const k of [0, 1, 2, 3]) {
      expect(values(find(file.series, `fritz/f0201/hwthread${k}`, 'cpu_user'))).toEqual(range(60, (i) => k * 10 + (i % 7)));
    }
    for (const s of [0, 1]) {
      expect(values(find(file.series, `fritz/f0201/socket${s}`, 'mem_bw'))).toEqual(range(60, (i) => Math.fround(s * 100 + i * 1.5)));
    }
  });

  it('gives avg/min/max without the missing values', () => {
    const stats = seriesStats(find(file.series, 'fritz/f0201', 'cpu_load').values);
    expect(stats).toEqual({ count: 58, min: 0, max: 29.5, avg: (885 - 0.5 * 21) / 58 });
  });
});

describe('decodeFile on current.wal', async () => {
  const progress: DecodeProgress[] = [];
  const file = await decodeFile('current.wal', read(join(WAL_HOST(), 'current.wal')), {
    relativePath: 'fritz/f0201/current.wal',
    onProgress: (p) => progress.push(p),
  });

  it('keeps the 15 whole records and says the torn one was left out', () => {
    expect(file.kind).toBe('wal');
    expect(file.notes[0]).toBe('15 samples');
    expect(file.notes[1]).toMatch(/cut short; the last \d+ bytes are left out/);
  });

  it('lays the samples on their grid, without the torn record', () => {
    const load = find(file.series, 'fritz/f0201', 'cpu_load');
    expect(load).toMatchObject({ frequency: 60, start: 1725623630 });
    expect(values(load)).toEqual(range(10, (i) => 100 + i));
    const user = find(file.series, 'fritz/f0201/hwthread0', 'cpu_user');
    expect(user).toMatchObject({ frequency: 60, start: 1725623630 });
    expect(values(user)).toEqual([50, 51, 52, 53, 54]);
    expect(file.series).toHaveLength(2);
  });

  it('reports decoding and sorting progress up to the end', () => {
    const last = (stage: string) => progress.filter((p) => p.stage === stage).at(-1);
    expect(last('decode')).toMatchObject({ done: 621, total: 621 });
    expect(last('series')).toMatchObject({ done: 15, total: 15 });
  });

  it('continues the snapshot: merged, the WAL values follow slot 59 without a gap', async () => {
    const snapshot = await decodeFile('1725620000.bin', read(join(WAL_HOST(), '1725620000.bin')), {
      relativePath: 'fritz/f0201/1725620000.bin',
    });
    const merged = mergeSeries([...snapshot.series, ...file.series]);
    const load = find(merged, 'fritz/f0201', 'cpu_load');
    expect(load.runs).toHaveLength(1);
    expect(load.runs[0].start).toBe(START);
    expect(Array.from(load.runs[0].values).slice(58)).toEqual([29, 29.5, ...range(10, (i) => 100 + i)]);
    const user = find(merged, 'fritz/f0201/hwthread0', 'cpu_user');
    expect(Array.from(user.runs[0].values).slice(59)).toEqual([59 % 7, 50, 51, 52, 53, 54]);
  });
});

describe('decodeFile on a WAL with gaps', () => {
  it('takes the frequency it is told and leaves the missing slots NaN', async () => {
    const records = encodeWalRecords([
      { ts: 1000, metric: 'mem_used', path: [], value: 1 },
      { ts: 1120, metric: 'mem_used', path: [], value: 3 },
    ]);
    const bytes = new Uint8Array([...walFileHeader(), ...records]);
    const file = await decodeFile('current.wal', bytes, { cluster: 'c', host: 'h', frequencies: { mem_used: 60 } });
    expect(file.notes).toEqual(['2 samples']);
    const [s] = file.series;
    expect(s).toMatchObject({ path: ['c', 'h'], frequency: 60, start: 1000 });
    expect(values(s)).toEqual([1, NaN, 3]);
  });
});

describe('decodeFile on the JSON checkpoint', async () => {
  const file = await decodeFile('1725620000.json', read(JSON_HOST_FILE()));

  it('holds every value of the README; outside a folder the owner is unknown', () => {
    expect(file).toMatchObject({ kind: 'json', from: 1725620000, to: 1725623600 });
    const load = find(file.series, 'unknown/unknown', 'cpu_load');
    expect(load).toMatchObject({ frequency: 60, start: START });
    expect(values(load)).toEqual(range(30, (i) => (i % 5 === 4 ? NaN : 2 + i * 0.25)));
    expect(values(find(file.series, 'unknown/unknown/hwthread0', 'cpu_user'))).toEqual(range(30, (i) => 7 + i));
  });
});

describe('decodeFile on a Parquet archive written by the persistence codec', async () => {
  const file = await decodeFile('1725620000.parquet', await archiveFixtureHost());

  it('gives back the series of the JSON fixture, cluster and host from the rows', () => {
    expect(file.kind).toBe('parquet');
    // The archive holds present samples only: the series runs to the last one (i = 28).
    const load = find(file.series, 'fritz/f0202', 'cpu_load');
    expect(load).toMatchObject({ frequency: 60, start: START });
    expect(values(load)).toEqual(range(29, (i) => (i % 5 === 4 ? NaN : 2 + i * 0.25)));
    const user = find(file.series, 'fritz/f0202/hwthread0', 'cpu_user');
    expect(values(user)).toEqual(range(30, (i) => 7 + i));
    expect(file.notes).toEqual([`${24 + 30} rows`]);
  });
});

describe('decodeFile on other files', () => {
  it('recognises a cc-metric-store config.json as a metric list', async () => {
    const bytes = read(join(fixturesDir(), '../reference/config.json'));
    const file = await decodeFile('config.json', bytes);
    expect(file.kind).toBe('config');
    expect(file.frequencies).toMatchObject({ cpu_load: 60, cpu_user: 60, mem_bw: 60 });
  });

  it('names the file when it cannot be read', async () => {
    await expect(decodeFile('notes.txt', new TextEncoder().encode('hello'))).rejects.toThrow(/^notes\.txt: not a checkpoint/);
    const torn = read(join(WAL_HOST(), '1725620000.bin')).subarray(0, 100);
    await expect(decodeFile('1725620000.bin', torn)).rejects.toThrow(/^1725620000\.bin: /);
  });
});

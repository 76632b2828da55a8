// The fixtures in ../shared/fixtures were written by an independent encoder
// from formats.md; every value listed in their README must come back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBinSnapshot, decodeJsonCheckpoint, decodeWal } from '../../src/persist/format/index.ts';
import type { SeriesData } from '../../src/engine/types.ts';
import { fixturesDir } from '../support/shared.ts';

const START = 1725620030;

function expectSeries(series: SeriesData | undefined, n: number, valueAt: (i: number) => number): void {
  expect(series).toBeDefined();
  expect(series!.frequency).toBe(60);
  expect(series!.start).toBe(START);
  expect(series!.values.length).toBe(n);
  for (let i = 0; i < n; i++) {
    const want = valueAt(i);
    if (Number.isNaN(want)) expect(series!.values[i], `value ${i}`).toBeNaN();
    else expect(series!.values[i], `value ${i}`).toBe(Math.fround(want));
  }
}

describe('fixtures from the independent encoder', () => {
  it('decodes the binary snapshot with every value', () => {
    const file = decodeBinSnapshot(readFileSync(join(fixturesDir(), 'checkpoints-wal/fritz/f0201/1725620000.bin')));
    expect(file.from).toBe(1725620000);
    expect(file.to).toBe(1725623600);
    const root = file.root;
    expect([...root.metrics.keys()].sort()).toEqual(['cpu_load', 'mem_used']);
    expectSeries(root.metrics.get('cpu_load'), 60, (i) => (i === 10 || i === 11 ? NaN : i * 0.5));
    expectSeries(root.metrics.get('mem_used'), 60, (i) => 1000.25 + i);
    expect([...root.children.keys()].sort()).toEqual(['hwthread0', 'hwthread1', 'hwthread2', 'hwthread3', 'socket0', 'socket1']);
    for (let k = 0; k < 4; k++) {
      const child = root.children.get(`hwthread${k}`)!;
      expect([...child.metrics.keys()]).toEqual(['cpu_user']);
      expect(child.children.size).toBe(0);
      expectSeries(child.metrics.get('cpu_user'), 60, (i) => k * 10 + (i % 7));
    }
    for (let s = 0; s < 2; s++) {
      const child = root.children.get(`socket${s}`)!;
      expect([...child.metrics.keys()]).toEqual(['mem_bw']);
      expectSeries(child.metrics.get('mem_bw'), 60, (i) => s * 100 + i * 1.5);
    }
  });

  it('replays the WAL up to the torn record and not beyond', () => {
    const bytes = readFileSync(join(fixturesDir(), 'checkpoints-wal/fritz/f0201/current.wal'));
    const { samples, stop, validBytes } = decodeWal(bytes);
    expect(stop).toBe('torn');
    expect(samples.count).toBe(15);
    expect(validBytes).toBeLessThan(bytes.length);
    expect(bytes.length - validBytes).toBeLessThan(60);
    const rows = Array.from({ length: samples.count }, (_, i) => ({
      ts: samples.ts[i],
      metric: samples.metrics[samples.metric[i]],
      path: samples.paths[samples.path[i]],
      value: samples.value[i],
    }));
    const load = rows.filter((r) => r.metric === 'cpu_load');
    const user = rows.filter((r) => r.metric === 'cpu_user');
    expect(load).toEqual(Array.from({ length: 10 }, (_, i) => ({ ts: 1725623630 + 60 * i, metric: 'cpu_load', path: [], value: 100 + i })));
    expect(user).toEqual(Array.from({ length: 5 }, (_, i) => ({ ts: 1725623630 + 60 * i, metric: 'cpu_user', path: ['hwthread0'], value: 50 + i })));
    expect(rows.some((r) => r.ts === 1725623930 && r.metric === 'cpu_user')).toBe(false);
  });

  it('decodes the JSON checkpoint with every value', () => {
    const file = decodeJsonCheckpoint(readFileSync(join(fixturesDir(), 'checkpoints-json/fritz/f0202/1725620000.json')));
    expect(file.from).toBe(1725620000);
    expect(file.to).toBe(1725623600);
    expectSeries(file.root.metrics.get('cpu_load'), 30, (i) => (i % 5 === 4 ? NaN : 2 + i * 0.25));
    expect([...file.root.children.keys()]).toEqual(['hwthread0']);
    expectSeries(file.root.children.get('hwthread0')!.metrics.get('cpu_user'), 30, (i) => 7 + i);
  });
});

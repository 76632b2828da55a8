// Gaps cost nothing: a series whose chunks lie far apart is exported as pieces
// (one checkpoint file each, the newest pieces in the last file), never padded
// over the gap and never cut; and a loaded file that holds long runs of NaN
// gets no chunks for them.
import { describe, expect, it } from 'vitest';
import type { LevelData, QueryRequest, SeriesData } from '../../src/engine/types.ts';
import { lp, makeStore, queryJson, read } from './helpers.ts';

const T = 1725620400;
const host = (s: ReturnType<typeof makeStore>) => s.exportHost('fritz', 'h', { unsavedOnly: false })!;

function line(metric: string, value: number, ts: number, tags = ''): string {
  return `${metric},cluster=fritz,hostname=h${tags} value=${value} ${ts}`;
}

function valuesOf(s: SeriesData | undefined): Array<number | null> {
  return s ? Array.from(s.values, (v) => (Number.isNaN(v) ? null : v)) : [];
}

describe('export in pieces', () => {
  it('splits a series where the gap between two chunks is wider than a chunk, and keeps a narrower gap in one piece', () => {
    const s = makeStore();
    const lines = [line('cpu_load', 1, T), line('cpu_load', 2, T + 60)];
    // 513 empty slots after slot 1: a new piece
    lines.push(line('cpu_load', 3, T + 515 * 60), line('cpu_load', 4, T + 516 * 60));
    // mem_used: a gap of 512 empty slots stays in one piece (padding of at most one chunk)
    lines.push(line('mem_used', 5, T), line('mem_used', 6, T + 513 * 60));
    s.ingest(lp(lines.join('\n')), 'fritz', T);
    const { files } = host(s);
    expect(files).toHaveLength(2);
    expect(files[0].metrics.get('cpu_load')).toEqual({ frequency: 60, start: T - 30, values: Float32Array.from([1, 2]) });
    expect(files[0].metrics.has('mem_used')).toBe(false);
    expect(files[1].metrics.get('cpu_load')).toEqual({ frequency: 60, start: T + 515 * 60 - 30, values: Float32Array.from([3, 4]) });
    const mem = files[1].metrics.get('mem_used')!;
    expect([mem.start, mem.values.length, mem.values[0], mem.values[513]]).toEqual([T - 30, 514, 5, 6]);
  });

  it('aligns the pieces at the end: the newest piece of every series is in the last file, levels kept there', () => {
    const s = makeStore();
    const lines: string[] = [];
    // cpu_load in three pieces, cpu_user of hwthread0 in two, mem_bw of socket0 in one
    for (const at of [0, 1000, 2000]) lines.push(line('cpu_load', at, T + at * 60));
    for (const at of [1500, 2500]) lines.push(line('cpu_user', at, T + at * 60, ',type=hwthread,type-id=0'));
    lines.push(line('mem_bw', 7, T + 3000 * 60, ',type=socket,type-id=0'));
    s.ingest(lp(lines.join('\n')), 'fritz', T);
    const { files } = host(s);
    expect(files).toHaveLength(3);
    expect(files.map((f) => valuesOf(f.metrics.get('cpu_load')))).toEqual([[0], [1000], [2000]]);
    expect(files.map((f) => valuesOf(f.children.get('hwthread0')?.metrics.get('cpu_user')))).toEqual([[], [1500], [2500]]);
    expect(files.map((f) => valuesOf(f.children.get('socket0')?.metrics.get('mem_bw')))).toEqual([[], [], [7]]);
    // only the last file keeps levels without a piece of their own
    expect(files.map((f) => [...f.children.keys()])).toEqual([[], ['hwthread0'], ['hwthread0', 'socket0']]);
    // in every file a series starts later than in the file before: the Go loader's order
    const starts = files.map((f) => f.metrics.get('cpu_load')!.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('drops no value over a span longer than 2^25 slots (two hours, then one sample in 2100)', () => {
    const s = makeStore();
    const now = T;
    const lines = Array.from({ length: 120 }, (_, i) => line('cpu_load', i, now - 7200 + i * 60));
    const far = Date.UTC(2100, 0, 1) / 1000;
    lines.push(line('cpu_load', 200, far));
    s.ingest(lp(lines.join('\n')), 'fritz', now);
    const { files } = host(s);
    expect(files.map((f) => f.metrics.get('cpu_load')!.values.length)).toEqual([120, 1]);
    const restored = makeStore();
    for (const f of files) restored.loadHost('fritz', 'h', f);
    const recent = read(restored, 'fritz', 'h', 'cpu_load', now - 7200, now);
    expect(recent.avg).toBe(59.5);
    expect(recent.data).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // the step before the far sample lies in the gap: NaN, live as restored
    expect(read(restored, 'fritz', 'h', 'cpu_load', far - 60, far + 60).data).toEqual([null, 200]);
    expect(read(restored, 'fritz', 'h', 'cpu_load', far - 60, far + 60)).toEqual(read(s, 'fritz', 'h', 'cpu_load', far - 60, far + 60));
    // a couple of chunks, not 2^25 slots
    expect(restored.stats().usedBytes).toBeLessThan(makeStore().stats().usedBytes + (64 << 10));
  });

  it('round-trips the pieces: the loaded files answer like the live store and export the same files', () => {
    const live = makeStore();
    const lines: string[] = [];
    for (let i = 0; i < 700; i++) lines.push(line('cpu_load', i, T + i * 60 + ((i * 13) % 29) - 14));
    for (let i = 0; i < 50; i++) lines.push(line('cpu_load', 1000 + i, T + (5000 + i) * 60 + 7));
    for (let i = 0; i < 3; i++) lines.push(line('cpu_load', 2000 + i, T + (9000 + i * 600) * 60));
    live.ingest(lp(lines.join('\n')), 'fritz', T);
    const { files } = host(live);
    expect(files.length).toBeGreaterThan(2);
    const restored = makeStore();
    for (const f of files) restored.loadHost('fritz', 'h', f);
    for (const [from, to] of [[T - 600, T + 11000 * 60], [T + 4990 * 60, T + 5060 * 60], [T + 690 * 60 + 13, T + 5001 * 60]]) {
      const q: QueryRequest = { cluster: 'fritz', from, to, queries: [{ metric: 'cpu_load', host: 'h' }] };
      expect(queryJson(restored, q)).toEqual(queryJson(live, q));
    }
    expect(host(restored).files).toEqual(files);
  });

  it('writes nothing for a host whose samples are all on disk', () => {
    const s = makeStore();
    s.ingest(lp([line('cpu_load', 1, 1), line('cpu_load', 2, T)].join('\n')), 'fritz', T);
    const first = s.exportHost('fritz', 'h', { unsavedOnly: true })!;
    expect(first.files).toHaveLength(2);
    first.commit();
    expect(s.exportHost('fritz', 'h', { unsavedOnly: true })!.files).toEqual([]);
  });
});

describe('loading a padded file', () => {
  // Value 1 at slot 0, 2 at the last slot, NaN between: what a snapshot padded over a gap holds.
  const N = 4_000_000;
  const padded = (): LevelData => {
    const values = new Float32Array(N).fill(NaN);
    values[0] = 1;
    values[600] = 3;
    values[N - 1] = 2;
    return { metrics: new Map([['cpu_load', { frequency: 60, start: T, values }]]), children: new Map() };
  };

  it('allocates no chunk for the whole chunks of NaN inside it, and reads as if they were there', () => {
    const empty = makeStore().stats().usedBytes;
    const s = makeStore();
    s.loadHost('fritz', 'h', padded());
    // 16 MB of values in the file; three chunks held
    expect(s.stats().usedBytes - empty).toBeLessThan(64 << 10);
    expect(JSON.parse(s.debugDump(['fritz', 'h'])!).data.cpu_load).toHaveLength(3);
    const end = T + N * 60;
    expect(read(s, 'fritz', 'h', 'cpu_load', T, T + 3 * 60).data).toEqual([1, null, null]);
    expect(read(s, 'fritz', 'h', 'cpu_load', T + 599 * 60, T + 602 * 60).data).toEqual([null, 3, null]);
    // inside the run that has no chunk: NaN at every step, up to `to`, as the chunks of NaN gave
    const inGap = read(s, 'fritz', 'h', 'cpu_load', T + 5000 * 60 + 17, T + 5010 * 60 + 17);
    expect([inGap.from, inGap.to, inGap.data]).toEqual([T + 5000 * 60 + 17, T + 5010 * 60 + 17, Array(10).fill(null)]);
    // across the end of the run and the last value
    const tail = read(s, 'fritz', 'h', 'cpu_load', end - 700 * 60, end + 600);
    expect(tail.data).toEqual([...Array(699).fill(null), 2]);
    expect(tail.to).toBe(end);
    // and the export writes back the chunks held, in two pieces, not padded
    expect(s.exportHost('fritz', 'h', { unsavedOnly: false })!.files.map((f) => f.metrics.get('cpu_load')!.values.length)).toEqual([1024, N % 512]);
  });

  it('reserves memory for the values it will hold, not for the NaN it skips', () => {
    const s = makeStore();
    s.loadHost('fritz', 'h', padded());
    // The file's 4N bytes pass through the input buffer (doubled as it grows);
    // memory reserved for the NaN as well would add another 4N on top.
    expect(s.stats().memoryBytes).toBeLessThan(10 * N);
  });
});

// behaviour.md section 6 (free) against cc-backend buffer.go buffer.free,
// level.go freeAndCheckEmpty and metricstore.go MemoryStore.Free.
import { describe, expect, it } from 'vitest';
import { chunks, entry, ingest, makeStore, run, series, T } from './support.ts';

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('conformance: which chunks free() drops', () => {
  it('drops a chunk whose end (firstWrite + len*f) is before t, and keeps it when end == t', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2, 3])));
    // `end := b.end(); if end < t { return true, n + 1 }`, end = T + 180
    expect(s.free(['c', 'h'], T + 180)).toBe(0);
    expect(s.free(['c', 'h'], T + 181)).toBe(1);
    expect(chunks(s, ['c', 'h'], 'load')).toBeUndefined();
  });

  it('keeps a chunk that t falls inside', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [...run(iota(512)), [T + 512 * 60, 512]]));
    expect(s.free(['c', 'h'], T + 100 * 60)).toBe(0);
    expect(s.free(['c', 'h'], T + 512 * 60)).toBe(0);
    expect(s.free(['c', 'h'], T + 512 * 60 + 1)).toBe(1);
    // the read now starts at the first write of the remaining chunk (start T+30690)
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 40000)).toMatchObject({ data: [512], from: T + 30720 });
  });

  it('drops the old end of a chain and counts every chunk of every series below the selector', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 60000, 2], [T + 120000, 3]]) +
      series('bw', 'h', [[T, 1]], ',type=socket,type-id=0') + series('bw', 'h', [[T, 1]], ',type=socket,type-id=1'));
    // ends: T+60, T+60060, T+120060
    expect(s.free(['c', 'h'], T + 60061)).toBe(4);
    expect(chunks(s, ['c', 'h'], 'load')!.map((c) => c.start)).toEqual([T + 119970]);
  });

  it('starts a fresh series after everything was freed, even at an older time', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T + 6000, 1]]));
    s.free(['c', 'h'], T + 9999);
    // `l.metrics[i] = nil`: the next write is a first write again
    expect(ingest(s, series('load', 'h', [[T, 5]]))).toMatchObject({ accepted: 1, rejected: 0 });
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 1, end: T + 30 }]);
  });
});

describe('conformance: which levels free() removes', () => {
  function tree() {
    const s = makeStore();
    ingest(s, series('load', 'a', run([1])) + series('user', 'a', run([1]), ',type=socket,type-id=0') +
      series('load', 'b', run([1])) + `load,cluster=d,hostname=x value=1 ${T}\n`);
    return s;
  }

  it('removes emptied levels below the selected one and keeps the selected level itself', () => {
    const s = tree();
    // freeAndCheckEmpty deletes empty children; the selected level's own `empty` result is dropped by free()
    expect(s.free(['c', 'a'], T + 9999)).toBe(2);
    expect(s.listChildren(['c'])).toEqual(['a', 'b']);
    expect(s.listChildren(['c', 'a'])).toEqual([]);
    expect(JSON.parse(s.debugDump(['c', 'a'])!)).toEqual({ data: {} });
  });

  it('keeps an emptied sub-level when it is the selected one', () => {
    const s = tree();
    expect(s.free(['c', 'a', 'socket0'], T + 9999)).toBe(1);
    expect(s.listChildren(['c', 'a'])).toEqual(['socket0']);
  });

  it('removes emptied hosts below a cluster selector and emptied clusters below the root', () => {
    const s = tree();
    expect(s.free(['c'], T + 9999)).toBe(3);
    expect(s.listChildren(['c'])).toEqual([]);
    expect(s.listChildren([])).toEqual(['c', 'd']);
    expect(s.free([], T + 9999)).toBe(1);
    expect(s.listChildren([])).toEqual([]);
  });

  it('frees nothing and creates nothing for a selector that names no level (ours)', () => {
    // the reference's GetLevel -> findLevelOrCreate creates the selected level; behaviour.md marks this as ours
    const s = tree();
    expect(s.free(['c', 'nohost'], T + 9999)).toBe(0);
    expect(s.free(['c', 'a', 'nosub'], T + 9999)).toBe(0);
    expect(s.free(['nocluster'], T + 9999)).toBe(0);
    expect(s.listChildren([])).toEqual(['c', 'd']);
    expect(s.listChildren(['c'])).toEqual(['a', 'b']);
    expect(s.listChildren(['c', 'a'])).toEqual(['socket0']);
  });
});

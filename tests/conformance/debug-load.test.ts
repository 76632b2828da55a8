// behaviour.md section 6 (debug) against cc-backend debug.go, and the chunks a
// checkpoint load leaves (checkpoint.go loadFile: capacity = length, archived;
// ours: the newest loaded chunk keeps room to grow).
import { describe, expect, it } from 'vitest';
import { chunks, entry, ingest, makeStore, run, series, T } from './support.ts';

describe('conformance: debug dump', () => {
  it('lists the chain oldest first with start, len and end = start + f*len', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 60, 2], [T + 60000, 3]]));
    // buffer.debugDump recurses into prev first; `end := b.start+b.frequency*int64(len(b.data))`
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 2, end: T + 90 },
      { start: T + 59970, len: 1, end: T + 60030 },
    ]);
  });

  it('nests children by name and dumps from a sub-level selector', () => {
    const s = makeStore();
    ingest(s, series('user', 'h', run([1]), ',type=socket,type-id=0,stype=core,stype-id=1'));
    const dump = JSON.parse(s.debugDump(['c', 'h', 'socket0'])!);
    expect(dump).toEqual({ data: { core1: { user: [{ start: T - 30, len: 1, end: T + 30 }] } } });
  });

  it('refuses a selector that names no level', () => {
    // `lvl := m.root.findLevel(selector); if lvl == nil { return fmt.Errorf(... not found ...) }`
    const s = makeStore();
    ingest(s, series('load', 'h', run([1])));
    expect(s.debugDump(['c', 'nohost'])).toBeNull();
    expect(s.debugDump(['c', 'h', 'nosub'])).toBeNull();
    expect(s.debugDump(['nocluster'])).toBeNull();
  });

  it('dumps the whole tree for an empty selector', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1])));
    expect(JSON.parse(s.debugDump([])!)).toEqual({ data: { c: { h: { load: [{ start: T - 30, len: 1, end: T + 30 }] } } } });
  });
});

describe('conformance: chunks loaded from a checkpoint', () => {
  const values = (xs: number[]) => Float32Array.from(xs);
  function loaded() {
    const s = makeStore();
    s.loadHost('c', 'h', { metrics: new Map([['load', { frequency: 60, start: T - 30, values: values([1, 2, 3]) }]]), children: new Map() });
    return s;
  }

  // (ours) The reference's loaded buffers hold exactly their data (capacity = length), so the
  // next sample opens a chunk at ts - f/2 and a read that starts in the file skips a slot
  // there. Ours: the newest loaded chunk keeps room up to 512 slots from its start, as a
  // live chunk has, so data answers the same before and after a restart (docs/engine.md).
  it('are marked saved; the newest keeps room to grow: the next sample continues it (ours)', () => {
    const s = loaded();
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 3, end: T + 150, saved: true }]);
    // idx = (T+180 - (T-30)) / 60 = 3 < 512
    ingest(s, series('load', 'h', [[T + 180, 4]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 4, end: T + 210 }]);
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 600)).toMatchObject({ data: [1, 2, 3, 4], from: T, to: T + 240 });
  });

  it('are as long as the file, in pieces of 512, the newest with room up to 512 (ours)', () => {
    const s = makeStore();
    const long = Array.from({ length: 600 }, (_, i) => i);
    s.loadHost('c', 'h', { metrics: new Map([['load', { frequency: 60, start: T - 30, values: values(long) }]]), children: new Map() });
    ingest(s, series('load', 'h', [[T + 600 * 60, 600], [T + 1023 * 60, 1023], [T + 1024 * 60, 1024]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 512, end: T - 30 + 512 * 60, saved: true },
      { start: T - 30 + 512 * 60, len: 512, end: T - 30 + 1024 * 60 },
      { start: T + 1024 * 60 - 30, len: 1, end: T + 1024 * 60 + 30 },
    ]);
  });

  it('take an overwrite while they are the newest chunk', () => {
    const s = loaded();
    // ts >= head start and idx 1 < len: `b.data[idx] = value`
    ingest(s, series('load', 'h', [[T + 60, 9]]));
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 600).data).toEqual([1, 9, 3]);
  });

  // DELIBERATE: the reference's `archived` is set only by loadFile (`archived: true`) and never
  // cleared, so a loaded chunk keeps "saved":true after a write into it (and toCheckpointFile,
  // `if allArchived { continue }`, then leaves that write out of the next checkpoint). Ours means
  // "on disk as it is": a write into the chunk drops the mark.
  it('lose the saved mark on a write into them', () => {
    const s = loaded();
    ingest(s, series('load', 'h', [[T + 60, 9]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 3, end: T + 150 }]);
  });

  // DELIBERATE: the reference's checkpoint never sets `archived`, so a written chunk is never
  // shown saved; ours marks a chunk saved once a checkpoint holding all of it is committed
  // (docs/engine.md).
  it('a committed checkpoint marks live chunks saved', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', run([1, 2])));
    s.exportHost('c', 'h', { unsavedOnly: true })!.commit();
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 2, end: T + 90, saved: true }]);
  });
});

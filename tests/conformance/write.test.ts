// behaviour.md sections 1-2 against cc-backend pkg/metricstore buffer.go
// (newBuffer, buffer.write) and metricstore.go (WriteToLevel).
import { describe, expect, it } from 'vitest';
import { chunks, entry, ingest, makeStore, run, series, T } from './support.ts';

describe('conformance: first write of a series', () => {
  // newBuffer: `b.start = ts - (freq / 2)` (integer division)
  it.each([
    ['load', 60, T - 30],
    ['ten', 10, T - 5],
    ['seven', 7, T - 3],
    ['one', 1, T],
  ] as const)('%s (f=%d) starts at ts - floor(f/2)', (metric, f, start) => {
    const s = makeStore();
    ingest(s, series(metric, 'h', [[T, 1]]));
    // debug.go: `end := b.start + b.frequency*int64(len(b.data))`
    expect(chunks(s, ['c', 'h'], metric)).toEqual([{ start, len: 1, end: start + f }]);
  });

  it('keeps the phase of a jittered first sample', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T + 17, 1]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 13, len: 1, end: T + 47 }]);
  });

  it('accepts ts = 0', () => {
    const s = makeStore();
    ingest(s, 'load,cluster=c,hostname=h value=1 0\n');
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: -30, len: 1, end: 30 }]);
    // read: `from = b.firstWrite()` = -30 + 30 = 0
    expect(entry(s, { metric: 'load', host: 'h' }, -1000, 1000)).toMatchObject({ data: [1], from: 0, to: 60 });
  });
});

describe('conformance: slot of a sample, overwrite and NaN fill', () => {
  // write: `idx := int((ts - b.start) / b.frequency)`; `if idx < len(b.data) { b.data[idx] = value }`
  it('puts every ts of [start + k f, start + (k+1) f) into slot k', () => {
    const s = makeStore();
    // start = T - 30; T + 29 is slot 0 (59 / 60 = 0), T + 30 is slot 1
    ingest(s, series('load', 'h', [[T, 1], [T + 29, 2], [T + 30, 3], [T - 30, 4]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 2, end: T + 90 }]);
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 120)).toMatchObject({ data: [4, 3], from: T, to: T + 120 });
  });

  it('fills skipped slots with NaN and overwrites them later', () => {
    const s = makeStore();
    // `for i := len(b.data); i < idx; i++ { b.data = append(b.data, schema.NaN) }`
    ingest(s, series('load', 'h', run([1], 0).concat(run([6], 300))));
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 360).data).toEqual([1, null, null, null, null, 6]);
    // ts >= head start, idx < len: `b.data[idx] = value` (not a late sample in the reference either)
    ingest(s, series('load', 'h', [[T + 120, 3]]));
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 360).data).toEqual([1, null, 3, null, null, 6]);
  });

  // DELIBERATE: the reference drops a sample before the start of everything held and still answers 200:
  // `if ts < b.start { return nil, errors.New("... cannot write value to buffer from past") }`,
  // DecodeLine: `cclog.Warnf("write error ..."); continue`. Ours keeps it (behaviour.md section 2, ours)
  // in a chunk on the oldest chunk's grid holding the whole slots before it (docs/engine.md); what is
  // too old for that is decided by the ingest window before.
  it('keeps a sample before the start of everything held in a chunk on the oldest chunk\'s grid (ours)', () => {
    const s = makeStore();
    const r = ingest(s, series('load', 'h', [[T, 1], [T - 31, 2], [T + 60, 3]]));
    expect(r).toMatchObject({ accepted: 3, rejected: 0, error: null });
    // T - 31 lies in the slot [T - 90, T - 30) of the grid of T - 30: one whole slot before it.
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 90, len: 1, end: T - 30 },
      { start: T - 30, len: 2, end: T + 90 },
    ]);
    expect(entry(s, { metric: 'load', host: 'h' }, T - 600, T + 600).data).toEqual([2, 1, 3]);
  });

  it('keeps series of the same metric on different levels apart', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1]]) + series('load', 'h', [[T, 2]], ',type=socket,type-id=0'));
    expect(entry(s, { metric: 'load', host: 'h' }, T, T + 60).data).toEqual([1]);
    expect(entry(s, { metric: 'load', host: 'h', type: 'socket', 'type-ids': ['0'] }, T, T + 60).data).toEqual([2]);
  });
});

describe('conformance: chunk overflow', () => {
  const full = (offset = 0) => run(Array.from({ length: 512 }, (_, i) => i), offset);

  it('opens a new chunk at ts - floor(f/2) when idx == cap exactly', () => {
    const s = makeStore();
    // start = T - 30, cap 512: ts = start + 512*60 = T + 30690 has idx 512
    // `if idx >= cap(b.data) { newbuf := newBuffer(ts, b.frequency) ...}`
    ingest(s, series('load', 'h', [...full(), [T + 30690, 999]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 512, end: T - 30 + 512 * 60 },
      { start: T + 30660, len: 1, end: T + 30720 },
    ]);
  });

  it('keeps ts = start + cap*f - 1 in the old chunk', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [...full(), [T + 30689, 999]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([{ start: T - 30, len: 512, end: T - 30 + 512 * 60 }]);
    expect(entry(s, { metric: 'load', host: 'h' }, T + 511 * 60, T + 512 * 60).data).toEqual([999]);
  });

  it('loses a sample written at idx == cap from reads on the old phase', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [...full(), [T + 30690, 999]]));
    // read at t = T + 512*60 = T + 30720: idx in the old chunk 512 >= cap -> next chunk,
    // `idx = int((t - b.start) / b.frequency)` = (30720 - 30660) / 60 = 1 >= len 1 and no next: break
    const r = entry(s, { metric: 'load', host: 'h' }, T, T + 40000);
    expect(r.data).toHaveLength(512);
    expect(r.to).toBe(T + 512 * 60);
    // read from the new chunk's first write on its own phase: found
    expect(entry(s, { metric: 'load', host: 'h' }, T + 30690, T + 40000)).toMatchObject({ data: [999], from: T + 30690, to: T + 30750 });
  });

  it('opens the new chunk on the jittered ts, not on the old grid', () => {
    const s = makeStore();
    // ts = T + 512*60 + 25: idx = (30720 + 25 + 30) / 60 = 512 -> new chunk start ts - 30 = T + 30715
    ingest(s, series('load', 'h', [...full(), [T + 30745, 7], [T + 30805, 8]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 512, end: T - 30 + 512 * 60 },
      { start: T + 30715, len: 2, end: T + 30835 },
    ]);
    // on the old phase, t = T + 30720 is slot 0 of the new chunk ((30720-30715)/60 = 0) and t >= start
    expect(entry(s, { metric: 'load', host: 'h' }, T + 510 * 60, T + 515 * 60).data).toEqual([510, 511, 7, 8]);
  });

  it('leaves an unfilled chunk behind when a sample jumps past its capacity', () => {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 60, 2], [T + 1000 * 60, 3]]));
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 2, end: T + 90 },
      { start: T + 59970, len: 1, end: T + 60030 },
    ]);
  });

  it('overflows on odd frequencies the same way', () => {
    const s = makeStore();
    // seven: start = T - 3; idx 512 at ts = T - 3 + 3584 = T + 3581
    const samples = run(Array.from({ length: 512 }, (_, i) => i), 0, 7);
    ingest(s, series('seven', 'h', [...samples, [T + 3581, 5]]));
    expect(chunks(s, ['c', 'h'], 'seven')).toEqual([
      { start: T - 3, len: 512, end: T - 3 + 3584 },
      { start: T + 3578, len: 1, end: T + 3585 },
    ]);
  });
});

describe('conformance: late samples (ours)', () => {
  it('writes a sample before the newest chunk into the older chunk that covers it (ours)', () => {
    const s = makeStore();
    const samples = run(Array.from({ length: 600 }, (_, i) => i));
    ingest(s, series('load', 'h', samples));
    // the reference drops this one (ts < head start); behaviour.md section 2 marks writing it as ours
    const r = ingest(s, series('load', 'h', [[T + 100 * 60, -1]]));
    expect(r).toMatchObject({ accepted: 1, rejected: 0 });
    expect(entry(s, { metric: 'load', host: 'h' }, T + 99 * 60, T + 102 * 60).data).toEqual([99, -1, 101]);
  });
});

describe('conformance: late samples in a gap between chunks (ours)', () => {
  // The reference drops every sample before the newest chunk (`ts < b.start`). Our gap rule
  // (docs/engine.md): a chunk on the older chunk's grid, from the slot covering the sample,
  // with the whole slots that fit before the newer chunk; no whole slot: rejected (no-slot). buffer.read
  // hops once per step (`b = b.next; idx = int((t - b.start) / b.frequency)`), so a chunk
  // there must never be jumped over.
  //
  // A: one sample at T (start T-30, cap 512: its window ends at T+30690).
  // B: a sample at T+30750 opens the next chunk at T+30720 (idx 513 >= cap).
  function narrowGap() {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 30750, 2]]));
    return s;
  }

  it('rejects a late sample in a gap narrower than a slot of the older grid', () => {
    const s = narrowGap();
    // [T+30690, T+30720) is 30 s: a slot there would end past B's start
    expect(ingest(s, series('load', 'h', [[T + 30690, 9], [T + 30719, 9]]))).toMatchObject({ accepted: 0, rejected: 2, reasons: { 'no-slot': 2 } });
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 1, end: T + 30 },
      { start: T + 30720, len: 1, end: T + 30780 },
    ]);
  });

  it('keeps an in-order sample readable on every phase next to a narrow gap', () => {
    const s = narrowGap();
    ingest(s, series('load', 'h', [[T + 30690, 9]]));
    // on the phase T+10 the reference reaches B from A in one hop at t = T+30730 (idx 0 in B)
    for (let phase = 0; phase < 60; phase++) {
      const r = entry(s, { metric: 'load', host: 'h' }, T + phase - 30, T + 40000);
      expect(r.data.filter((v: number | null) => v !== null)).toEqual([1, 2]);
    }
  });

  // C: B opens at T+60690 instead, leaving [T+30690, T+60690) between them.
  function wideGap() {
    const s = makeStore();
    ingest(s, series('load', 'h', [[T, 1], [T + 60720, 2]]));
    return s;
  }

  it('puts a late sample in a wide gap on the older chunk grid, ending at most at the next start', () => {
    const s = wideGap();
    // T+30700 is slot 512 of A's grid (start T-30): the chunk starts at T+30690 with the
    // (60690 - 30690) / 60 = 500 whole slots before B; T+60680 is slot 499 of it
    expect(ingest(s, series('load', 'h', [[T + 30700, 9]]))).toMatchObject({ accepted: 1, rejected: 0 });
    expect(ingest(s, series('load', 'h', [[T + 60680, 8], [T + 31000, 7]]))).toMatchObject({ accepted: 2, rejected: 0 });
    expect(chunks(s, ['c', 'h'], 'load')).toEqual([
      { start: T - 30, len: 1, end: T + 30 },
      { start: T + 30690, len: 500, end: T + 60690 },
      { start: T + 60690, len: 1, end: T + 60750 },
    ]);
  });

  it('reads the late and the in-order samples on every phase', () => {
    const s = wideGap();
    ingest(s, series('load', 'h', [[T + 30700, 9], [T + 60680, 8]]));
    for (let phase = 0; phase < 60; phase++) {
      const r = entry(s, { metric: 'load', host: 'h' }, T + phase - 30, T + 70000);
      expect(r.data.filter((v: number | null) => v !== null)).toEqual([1, 9, 8, 2]);
    }
  });

  it('starts the inserted chunk at the slot covering the sample, not at the older end', () => {
    const s = wideGap();
    // T+40000 is slot (40030 / 60) = 667 of A's grid: start T-30 + 667*60 = T+39990
    ingest(s, series('load', 'h', [[T + 40000, 9]]));
    expect(chunks(s, ['c', 'h'], 'load')?.[1]).toEqual({ start: T + 39990, len: 1, end: T + 40050 });
    // a later one before it goes into a chunk of its own, ending at most at T+39990
    ingest(s, series('load', 'h', [[T + 39950, 8]]));
    expect(chunks(s, ['c', 'h'], 'load')?.map((c) => c.start)).toEqual([T - 30, T + 39930, T + 39990, T + 60690]);
  });
});

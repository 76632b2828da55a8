// behaviour.md section 4 (aggregation) against cc-backend level.go findBuffers
// and metricstore.go MemoryStore.Read. A group selector (type-ids with aggreg)
// visits its ids in the order given, so the order-dependent alignment rules of
// Read can be pinned down exactly; a host-level selector walks a Go map, whose
// order is random, so there either outcome of the reference is accepted.
import { describe, expect, it } from 'vitest';
import { entry, errorEntry, ingest, makeStore, MSG, run, series, T } from './support.ts';

const sock = (metric: string, id: string, samples: Array<[number, number]>) =>
  series(metric, 'h', samples, `,type=socket,type-id=${id}`);

function store(text: string) {
  const s = makeStore();
  expect(ingest(s, text).error).toBeNull();
  return s;
}

const group = (metric: string, ids: string[]) => ({ metric, host: 'h', type: 'socket', 'type-ids': ids, aggreg: true });
const host = (metric: string) => ({ metric, host: 'h' });

describe('conformance: combining descendants', () => {
  it('adds for sum and multiplies the sum by 1/n for avg', () => {
    const s = store(
      sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20, 30])) + sock('bw', '2', run([100, 200, 300])) +
      sock('user', '0', run([1, 2, 3])) + sock('user', '1', run([10, 20, 30])) + sock('user', '2', run([100, 200, 300])));
    expect(entry(s, host('bw'), T, T + 180)).toMatchObject({ data: [111, 222, 333], from: T, to: T + 180 });
    // `normalize := 1. / schema.Float(n); data[i] *= normalize`
    const avg = [111, 222, 333].map((x) => Math.fround(x * (1 / 3)));
    expect(entry(s, host('user'), T, T + 180).data.map(Math.fround)).toEqual(avg);
  });

  it('uses the series of the selected level and ignores its descendants when it has one', () => {
    // findBuffers: `b := l.metrics[offset]; if b != nil { return f(b) }`
    const s = store(series('user', 'h', run([99])) + sock('user', '0', run([1])));
    expect(entry(s, host('user'), T, T + 60).data).toEqual([99]);
  });

  it('descends per child: a child holding the series answers for itself, another through its children', () => {
    const s = store(
      sock('bw', '0', run([1])) + series('bw', 'h', run([1000]), ',type=socket,type-id=0,stype=memctrl,stype-id=0') +
      series('bw', 'h', run([10]), ',type=socket,type-id=1,stype=memctrl,stype-id=0') +
      series('bw', 'h', run([20]), ',type=socket,type-id=1,stype=memctrl,stype-id=1'));
    expect(entry(s, host('bw'), T, T + 60).data).toEqual([31]);
  });

  it('counts only descendants that hold the metric', () => {
    // socket1 holds only "user": findBuffers finds nothing there, n = 1, no normalisation needed
    const s = store(sock('load', '0', run([5])) + sock('user', '1', run([7])));
    expect(entry(s, host('load'), T, T + 60).data).toEqual([5]);
  });

  it('propagates NaN of one child into the sum and the average', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', [[T, 10], [T + 120, 30]]) +
      sock('user', '0', run([1, 2, 3])) + sock('user', '1', [[T, 10], [T + 120, 30]]));
    expect(entry(s, host('bw'), T, T + 180).data).toEqual([11, null, 33]);
    expect(entry(s, host('user'), T, T + 180).data).toEqual([5.5, null, 16.5]);
  });

  it('is an error to combine several series of a metric without aggregation', () => {
    const s = store(sock('load', '0', run([1])) + sock('load', '1', run([2])));
    // `} else if minfo.Aggregation != SumAggregation { return ... errors.New("[METRICSTORE]> invalid aggregation") }`
    expect(entry(s, host('load'), T, T + 60)).toEqual(errorEntry(MSG.aggregation));
    // n == 1 needs no aggregation
    expect(entry(s, group('load', ['1']), T, T + 60).data).toEqual([2]);
    expect(entry(s, group('load', ['1', '7']), T, T + 60).data).toEqual([2]);
  });
});

describe('conformance: group selectors', () => {
  const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20, 30])) +
    sock('user', '0', run([1, 2, 3])) + sock('user', '1', run([10, 20, 30])) + sock('load', '0', run([4])));

  it('skips ids that name no level', () => {
    // findBuffers: `lvl, ok := l.children[key]; if ok { ... }`
    expect(entry(s, group('bw', ['0', '5', '9']), T, T + 180).data).toEqual([1, 2, 3]);
  });

  it('yields no entry when no id names a level', () => {
    expect(entry(s, group('bw', ['5', '9']), T, T + 180)).toBeUndefined();
  });

  it('visits a repeated id twice', () => {
    // `for _, key := range sel.Group` calls f twice for the same buffer: n = 2
    expect(entry(s, group('bw', ['0', '0']), T, T + 180).data).toEqual([2, 4, 6]);
    expect(entry(s, group('user', ['1', '1']), T, T + 180).data).toEqual([10, 20, 30]);
    expect(entry(s, group('load', ['0', '0']), T, T + 60)).toEqual(errorEntry(MSG.aggregation));
  });
});

describe('conformance: alignment of the combined series (Read)', () => {
  it('a child starting one step later: missing front when it comes second, accepted when it comes first', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([20, 30], 60)));
    // second read: cfrom = T+60, `missingfront := int((from-cfrom)/minfo.Frequency)` = -1 != 0
    expect(entry(s, group('bw', ['0', '1']), T - 600, T + 600)).toEqual(errorEntry(MSG.front));
    // the later child first: from = T+60, the other reads [T+60, T+180) and agrees
    const later = { data: [22, 33], from: T + 60, to: T + 180 };
    expect(entry(s, group('bw', ['1', '0']), T - 600, T + 600)).toMatchObject(later);
    const either = entry(s, host('bw'), T - 600, T + 600);
    expect([errorEntry(MSG.front), { ...later, resolution: 60, avg: 27.5, min: 22, max: 33 }]).toContainEqual(either);
  });

  it('a child ending one step earlier: length mismatch when it comes second, truncation when first', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20])));
    // second read: cto = T+120, missingback = 1, newlen = 2 - 1 = 1 != 3
    expect(entry(s, group('bw', ['0', '1']), T - 600, T + 600)).toEqual(errorEntry(MSG.len));
    const shorter = { data: [11, 22], from: T, to: T + 120 };
    expect(entry(s, group('bw', ['1', '0']), T - 600, T + 600)).toMatchObject(shorter);
    const either = entry(s, host('bw'), T - 600, T + 600);
    expect([errorEntry(MSG.len), { ...shorter, resolution: 60, avg: 16.5, min: 11, max: 22 }]).toContainEqual(either);
  });

  it('a child ending far earlier: missing back when it comes second', () => {
    const s = store(sock('bw', '0', run([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])) + sock('bw', '1', run([1, 2, 3, 4, 5])));
    // newlen = 5 - 5 = 0 < 1
    expect(entry(s, group('bw', ['0', '1']), T, T + 6000)).toEqual(errorEntry(MSG.back));
    expect(entry(s, group('bw', ['1', '0']), T, T + 6000)).toMatchObject({ data: [2, 4, 6, 8, 10], to: T + 300 });
  });

  it('a child on another phase within one step is accepted, and the range of the last child is reported', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20, 30], 20)));
    // second read: cfrom = T+20, cto = T+200; missingfront = int(-20/60) = 0, missingback = int(-20/60) = 0
    const want = { data: [11, 22, 33], from: T + 20, to: T + 200 };
    expect(entry(s, group('bw', ['0', '1']), T - 100, T + 600)).toMatchObject(want);
    expect(entry(s, group('bw', ['1', '0']), T - 100, T + 600)).toMatchObject(want);
    expect(entry(s, host('bw'), T - 100, T + 600)).toMatchObject(want);
  });

  it('children of different extent agree on a range that lies inside all of them', () => {
    const s = store(sock('bw', '0', run([1, 2, 3, 4])) + sock('bw', '1', run([10, 20, 30], 60)));
    for (const ids of [['0', '1'], ['1', '0']]) {
      expect(entry(s, group('bw', ids), T + 60, T + 180)).toMatchObject({ data: [12, 23], from: T + 60, to: T + 180 });
    }
  });

  it('two empty reads on different phases: missing back when the later one comes second', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20, 30], 20)));
    // first: from = to = T (moved to its first write); second: from = to = T+20, 0 points:
    // missingfront = int(-20/60) = 0, newlen = 0 - int(-20/60) = 0 < 1
    expect(entry(s, group('bw', ['0', '1']), T - 600, T - 600)).toEqual(errorEntry(MSG.back));
    expect(entry(s, group('bw', ['1', '0']), T - 600, T - 600)).toEqual(
      { from: T + 20, to: T + 20, resolution: 60, avg: null, min: null, max: null });
  });

  it('two empty reads on the same phase agree', () => {
    const s = store(sock('bw', '0', run([1, 2, 3])) + sock('bw', '1', run([10, 20, 30])));
    expect(entry(s, group('bw', ['0', '1']), T + 60, T + 60)).toEqual(
      { from: T + 60, to: T + 60, resolution: 60, avg: null, min: null, max: null });
  });
});

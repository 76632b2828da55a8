// behaviour.md section 4 against cc-metric-store internal/api/metricstore.go
// handleQuery (selectors, for-all-nodes, stats, scale-by, padding, with-data)
// and the JSON shape of APIQueryResponse / APIMetricData / APIQuery.
import { describe, expect, it } from 'vitest';
import type { QueryRequest } from '../../src/engine/types.ts';
import { entry, errorEntry, ingest, makeStore, MSG, query, queryText, row, run, series, T } from './support.ts';

const sock = (metric: string, id: string, samples: Array<[number, number]>, sub = '') =>
  series(metric, 'a', samples, `,type=socket,type-id=${id}${sub}`);

function fixture() {
  const s = makeStore();
  const r = ingest(s,
    series('load', 'a', run([0.5, 1, 1.5])) + series('load', 'b', run([1, 2])) +
    sock('user', '0', run([1, 2])) + sock('user', '1', run([3, 4])) +
    sock('bw', '0', run([1]), ',stype=memctrl,stype-id=0') + sock('bw', '0', run([2]), ',stype=memctrl,stype-id=1') +
    sock('bw', '1', run([10]), ',stype=memctrl,stype-id=0') + sock('bw', '1', run([20]), ',stype=memctrl,stype-id=1'));
  expect(r.error).toBeNull();
  return s;
}

describe('conformance: answer shape', () => {
  const s = fixture();

  it('prints the fields of APIMetricData in declaration order and ends with a newline (json.Encoder)', () => {
    expect(queryText(s, { cluster: 'c', from: T, to: T + 180, queries: [{ metric: 'load', host: 'a' }] })).toBe(
      `{"results":[[{"data":[0.5,1,1.5],"from":${T},"to":${T + 180},"resolution":60,"avg":1,"min":0.5,"max":1.5}]]}\n`);
  });

  it('leaves data out when it is empty (`json:"data,omitempty"` on a slice)', () => {
    expect(queryText(s, { cluster: 'c', from: T + 60, to: T + 60, queries: [{ metric: 'load', host: 'a' }] })).toBe(
      `{"results":[[{"from":${T + 60},"to":${T + 60},"resolution":60,"avg":null,"min":null,"max":null}]]}\n`);
  });

  it('prints an error entry with zero numbers and no data', () => {
    expect(queryText(s, { cluster: 'c', from: T + 60, to: T, queries: [{ metric: 'load', host: 'a' }] })).toBe(
      '{"results":[[{"error":"[METRICSTORE]\\u003e invalid time range","from":0,"to":0,"resolution":0,"avg":0,"min":0,"max":0}]]}\n');
  });

  it('escapes the unknown metric name like encoding/json (HTML-safe)', () => {
    expect(queryText(s, { cluster: 'c', from: T, to: T + 60, queries: [{ metric: 'x<y>&"z', host: 'a' }] })).toBe(
      '{"results":[[{"error":"[METRICSTORE]\\u003e unknown metric: x\\u003cy\\u003e\\u0026\\"z","from":0,"to":0,"resolution":0,"avg":0,"min":0,"max":0}]]}\n');
  });

  it('prints values in the shortest form of their 32-bit value (ours)', () => {
    // The reference (cc-lib v2.12.0 schema.Float) prints data with `'f', 3` and avg/min/max with
    // `'f', 2`: "0.000" for 0.0001, "1.50" for 1.5. behaviour.md section 1 marks our printing as ours.
    const t = makeStore();
    ingest(t, series('load', 'a', run([0.0001, 1234567.875, 2.5])));
    expect(queryText(t, { cluster: 'c', from: T, to: T + 180, queries: [{ metric: 'load', host: 'a' }] })).toBe(
      `{"results":[[{"data":[0.0001,1234567.9,2.5],"from":${T},"to":${T + 180},"resolution":60,"avg":411523.47,"min":0.0001,"max":1234567.9}]]}\n`);
  });

  it('answers an empty query list with an empty results list', () => {
    expect(queryText(s, { cluster: 'c', from: T, to: T + 60, queries: [] })).toBe('{"results":[]}\n');
  });
});

describe('conformance: selectors built from a query', () => {
  const s = fixture();
  const q = (spec: Record<string, unknown>, from = T, to = T + 120) => row(s, { host: 'a', ...spec }, from, to);

  it('type without type-ids: no selector without aggreg, an empty group with it', () => {
    // `for _, typeID := range query.TypeIds` makes no selector
    expect(q({ metric: 'user', type: 'socket' })).toEqual([]);
    // aggreg: `ids := make([]string, 0)` -> Group of nothing: no buffer, no entry
    expect(q({ metric: 'user', type: 'socket', aggreg: true })).toEqual([]);
  });

  it('type without type-ids and from > to: an error entry only when a selector exists (aggreg)', () => {
    expect(q({ metric: 'user', type: 'socket' }, T + 60, T)).toEqual([]);
    expect(q({ metric: 'user', type: 'socket', aggreg: true }, T + 60, T)).toEqual([errorEntry(MSG.range)]);
  });

  // DELIBERATE: the reference ignores a subtype without a type (`if query.Aggregate || query.Type == nil
  // { sel := {cluster, host}; if query.Type != nil {...} }`) and reads the host. Ours reads it as the
  // device level below the host (behaviour.md section 5, ours; see 'devices under a node' below), so
  // it does not reach a subtype level below a type.
  it('subtype without type names a level below the host, not below a type', () => {
    expect(q({ metric: 'bw', subtype: 'memctrl', 'subtype-ids': ['0'] })).toEqual([]);
    expect(q({ metric: 'bw', subtype: 'memctrl', 'subtype-ids': ['0', '1'], aggreg: true })).toEqual([]);
    expect(q({ metric: 'bw', subtype: 'socket', 'subtype-ids': ['1'] }).map((e: any) => e.data)).toEqual([[30]]);
    expect(q({ metric: 'bw' })[0].data).toEqual([33]);
  });

  it('type and subtype without subtype-ids and without aggreg: no selector', () => {
    expect(q({ metric: 'bw', type: 'socket', 'type-ids': ['0', '1'], subtype: 'memctrl' })).toEqual([]);
  });

  it('one entry per type id times subtype id, type-major, without aggreg', () => {
    const r = q({ metric: 'bw', type: 'socket', 'type-ids': ['1', '0'], subtype: 'memctrl', 'subtype-ids': ['1', '0'] });
    expect(r.map((e: any) => e.data[0])).toEqual([20, 10, 2, 1]);
  });

  it('skips type ids that name no level, keeping the order of the others', () => {
    const r = q({ metric: 'user', type: 'socket', 'type-ids': ['1', '7', '0'] });
    expect(r.map((e: any) => e.data)).toEqual([[3, 4], [1, 2]]);
  });

  it('a type id whose level holds the metric only below combines its children', () => {
    expect(q({ metric: 'bw', type: 'socket', 'type-ids': ['1'] }).map((e: any) => e.data)).toEqual([[30]]);
  });

  it('aggreg with one type id and a subtype group', () => {
    expect(q({ metric: 'bw', type: 'socket', 'type-ids': ['0'], subtype: 'memctrl', 'subtype-ids': ['0', '1'], aggreg: true })[0].data).toEqual([3]);
    expect(q({ metric: 'bw', type: 'socket', 'type-ids': ['0', '1'], subtype: 'memctrl', 'subtype-ids': ['1'], aggreg: true })[0].data).toEqual([22]);
  });

  it('from > to: one error entry per selector, whether or not the host exists', () => {
    // Read: `if from > to { return ..., errors.New("[METRICSTORE]> invalid time range") }` before findBuffers
    expect(q({ metric: 'user', type: 'socket', 'type-ids': ['0', '1', '9'] }, T + 60, T)).toEqual([
      errorEntry(MSG.range), errorEntry(MSG.range), errorEntry(MSG.range)]);
    expect(row(s, { metric: 'load', host: 'nohost' }, T + 60, T)).toEqual([errorEntry(MSG.range)]);
  });

  it('an unknown metric is an error entry, also for an unknown host', () => {
    expect(row(s, { metric: 'nope', host: 'nohost' }, T, T + 60)).toEqual([errorEntry(MSG.unknown('nope'))]);
  });

  it('an unknown host or a metric without data yields no entry', () => {
    // `if err != metricstore.ErrNoHostOrMetric { ... res = append(res, data) }`
    expect(row(s, { metric: 'load', host: 'nohost' }, T, T + 60)).toEqual([]);
    expect(row(s, { metric: 'ten', host: 'a' }, T, T + 60)).toEqual([]);
    expect(row(s, { metric: 'load', host: '' }, T, T + 60)).toEqual([]);
  });

  it('type null counts as no type', () => {
    expect(q({ metric: 'bw', type: null, 'type-ids': ['0'] })).toEqual(q({ metric: 'bw' }));
  });
});

describe('conformance: devices under a node (ours)', () => {
  // cc-metric-collector's netstat lines: `type=node` (or no type) with stype/stype-id. The
  // reference drops the stype, so both devices write one series of the host; ours keeps each
  // device at the level `<stype><stype-id>` below the host (behaviour.md section 5, ours).
  const dev = (metric: string, id: string, samples: Array<[number, number]>, node = ',type=node') =>
    series(metric, 'a', samples, `${node},stype=network,stype-id=${id}`);
  function devices() {
    const s = makeStore();
    const r = ingest(s,
      dev('bw', 'eth0', run([100, 200])) + dev('bw', 'lo', run([7, 8]), '') +
      dev('user', 'eth0', run([1, 2])) + dev('user', 'lo', run([3, 6])) +
      dev('load', 'eth0', run([1, 1])) + dev('load', 'lo', run([2, 2])) +
      dev('ten', 'eth0', run([5])));
    expect(r).toMatchObject({ accepted: 13, rejected: 0, error: null });
    return s;
  }
  const s = devices();
  const q = (spec: Record<string, unknown>, from = T, to = T + 120) => row(s, { host: 'a', ...spec }, from, to);
  const net = (ids: string[], extra: Record<string, unknown> = {}) => ({ subtype: 'network', 'subtype-ids': ids, ...extra });

  it('reads each device by subtype and subtype-id, one entry per id in the given order', () => {
    expect(q({ metric: 'bw', ...net(['eth0']) }).map((e: any) => e.data)).toEqual([[100, 200]]);
    expect(q({ metric: 'bw', ...net(['lo']) }).map((e: any) => e.data)).toEqual([[7, 8]]);
    expect(q({ metric: 'bw', ...net(['lo', 'nope', 'eth0']) }).map((e: any) => e.data)).toEqual([[7, 8], [100, 200]]);
    // a metric only one device has: no entry for the other
    expect(q({ metric: 'ten', ...net(['lo', 'eth0']) }, T, T + 10).map((e: any) => e.data)).toEqual([[5]]);
  });

  it('type null counts as no type here too', () => {
    expect(q({ metric: 'bw', type: null, ...net(['lo']) })).toEqual(q({ metric: 'bw', ...net(['lo']) }));
  });

  it('aggregates a group of devices with aggreg, like a group of type ids', () => {
    expect(q({ metric: 'bw', ...net(['eth0', 'lo'], { aggreg: true }) })[0].data).toEqual([107, 208]);
    expect(q({ metric: 'user', ...net(['eth0', 'lo'], { aggreg: true }) })[0].data).toEqual([2, 4]);
    expect(q({ metric: 'load', ...net(['eth0', 'lo'], { aggreg: true }) })).toEqual([errorEntry(MSG.aggregation)]);
    expect(q({ metric: 'load', ...net(['lo'], { aggreg: true }) })[0].data).toEqual([2, 2]);
  });

  it('without subtype-ids: no selector, and with aggreg an empty group (as for a type)', () => {
    expect(q({ metric: 'bw', subtype: 'network' })).toEqual([]);
    expect(q({ metric: 'bw', subtype: 'network', aggreg: true })).toEqual([]);
    expect(q({ metric: 'bw', subtype: 'network' }, T + 60, T)).toEqual([]);
    expect(q({ metric: 'bw', subtype: 'network', aggreg: true }, T + 60, T)).toEqual([errorEntry(MSG.range)]);
  });

  it('a node-level query combines the devices with the metric aggregation', () => {
    // findBuffers: the host holds no series of its own, so every child answers
    expect(q({ metric: 'bw' })[0].data).toEqual([107, 208]);
    expect(q({ metric: 'user' })[0].data).toEqual([2, 4]);
    // `else if minfo.Aggregation != SumAggregation { return ..., errors.New("[METRICSTORE]> invalid aggregation") }`
    expect(q({ metric: 'load' })).toEqual([errorEntry(MSG.aggregation)]);
    // one device alone needs no aggregation
    expect(q({ metric: 'ten' }, T, T + 10)[0].data).toEqual([5]);
  });

  it('keeps a type query as before: a subtype below the type', () => {
    expect(q({ metric: 'bw', type: 'network', 'type-ids': ['lo'] })[0].data).toEqual([7, 8]);
    expect(q({ metric: 'bw', type: 'network', 'type-ids': ['lo'], subtype: 'x', 'subtype-ids': ['0'] })).toEqual([]);
  });
});

describe('conformance: for-all-nodes', () => {
  function withNamelessHost() {
    const s = fixture();
    // In the reference a first line without hostname creates the level "" (lvl == nil:
    // GetLevel([cluster, ""])). Ours rejects such a line (unsafe-name); an empty level loaded
    // under that name stands in for it.
    expect(ingest(s, `load,cluster=c value=9 ${T}\n`)).toMatchObject({ accepted: 0, reasons: { 'unsafe-name': 1 } });
    s.loadHost('c', '', { metrics: new Map(), children: new Map() });
    return s;
  }

  it('appends one query per node and metric after the given ones and echoes only the generated ones', () => {
    const s = withNamelessHost();
    const text = queryText(s, { cluster: 'c', from: T, to: T + 60, queries: [{ metric: 'load', host: 'b' }], 'for-all-nodes': ['load', 'user'] });
    const r = JSON.parse(text);
    // APIQuery without type, subtype, ids and scale-by (all omitempty): metric, host, resolution, aggreg
    for (const q of r.queries) expect(JSON.stringify(q)).toBe(`{"metric":${JSON.stringify(q.metric)},"host":${JSON.stringify(q.host)},"resolution":0,"aggreg":false}`);
    expect(text.includes('{"metric":"load","host":"","resolution":0,"aggreg":false}')).toBe(true);
    // ListChildren walks a Go map: any order of nodes, each node's metrics in the given order
    const nodes = r.queries.filter((_: unknown, i: number) => i % 2 === 0).map((q: any) => q.host);
    expect([...nodes].sort()).toEqual(['', 'a', 'b']);
    expect(r.queries.map((q: any) => q.metric)).toEqual(['load', 'user', 'load', 'user', 'load', 'user']);
    expect(r.results).toHaveLength(7);
    expect(r.results[0][0].data).toEqual([1]);
    // data of each entry of the row: a has load and user (avg of its sockets), b only load, "" nothing
    const want: Record<string, [any[], any[]]> = {
      a: [[[0.5]], [[2]]],
      b: [[[1]], []],
      '': [[], []],
    };
    nodes.forEach((node: string, k: number) => {
      const [load, user] = want[node];
      expect(r.results[1 + 2 * k].map((e: any) => e.data)).toEqual(load);
      expect(r.results[2 + 2 * k].map((e: any) => e.data)).toEqual(user);
    });
  });

  it('keeps every result row beside its echoed query when the hosts live in several shards', () => {
    const s = makeStore({ shards: 3 });
    let text = '';
    for (let i = 0; i < 40; i++) text += series('load', `n${i}`, [[T, i]]) + series('user', `n${i}`, [[T, 1000 + i]]);
    ingest(s, text);
    const r = query(s, { cluster: 'c', from: T, to: T + 60, queries: [{ metric: 'user', host: 'n7' }], 'for-all-nodes': ['user', 'load'] });
    expect(r.results[0][0].data).toEqual([1007]);
    expect(r.queries).toHaveLength(80);
    r.queries.forEach((q: any, k: number) => {
      const i = Number(q.host.slice(1));
      expect(r.results[1 + k][0].data).toEqual([q.metric === 'user' ? 1000 + i : i]);
    });
    expect(new Set(r.queries.map((q: any) => q.host)).size).toBe(40);
  });

  it('leaves "queries" out when no query was generated (omitempty)', () => {
    const s = fixture();
    expect(queryText(s, { cluster: 'nocluster', from: T, to: T + 60, queries: [], 'for-all-nodes': ['load'] })).toBe('{"results":[]}\n');
    expect(queryText(s, { cluster: 'c', from: T, to: T + 60, queries: [], 'for-all-nodes': [] })).toBe('{"results":[]}\n');
  });

  it('generates error entries for an unknown metric on every node', () => {
    const r = query(fixture(), { cluster: 'c', from: T, to: T + 60, queries: [], 'for-all-nodes': ['nope'] });
    expect(r.results).toEqual([[errorEntry(MSG.unknown('nope'))], [errorEntry(MSG.unknown('nope'))]]);
  });

  it('treats for-all-nodes: null as absent', () => {
    expect(queryText(fixture(), { cluster: 'c', from: T, to: T + 60, queries: [], 'for-all-nodes': null })).toBe('{"results":[]}\n');
  });
});

describe('conformance: with-stats, with-data, with-padding', () => {
  const s = fixture();
  const base = { cluster: 'c', queries: [{ metric: 'load', host: 'a' }] };
  const one = (req: Partial<QueryRequest>) => query(s, { ...base, from: T, to: T + 180, ...req } as QueryRequest).results[0][0];

  it('defaults all three to true', () => {
    expect(one({ from: T - 120 })).toEqual({ data: [null, null, 0.5, 1, 1.5], from: T, to: T + 180, resolution: 60, avg: 1, min: 0.5, max: 1.5 });
  });

  it('without stats leaves avg, min and max at zero', () => {
    expect(one({ 'with-stats': false })).toEqual({ data: [0.5, 1, 1.5], from: T, to: T + 180, resolution: 60, avg: 0, min: 0, max: 0 });
  });

  it('without data still computes the stats', () => {
    expect(one({ 'with-data': false })).toEqual({ from: T, to: T + 180, resolution: 60, avg: 1, min: 0.5, max: 1.5 });
    expect(one({ 'with-data': false, 'with-stats': false })).toEqual({ from: T, to: T + 180, resolution: 60, avg: 0, min: 0, max: 0 });
  });

  it('pads by whole-division of from and data.From, also when from is not a multiple of the frequency', () => {
    // `padfront := int((data.From / minfo.Frequency) - (from / minfo.Frequency))`: T/60 - (T-170)/60 = 3
    expect(one({ from: T - 170 }).data).toEqual([null, null, null, 0.5, 1, 1.5]);
    // T-179 is still 3 steps by whole division; T-181 is 4
    expect(one({ from: T - 179 }).data).toHaveLength(6);
    expect(one({ from: T - 181 }).data).toHaveLength(7);
  });

  it('pads nothing when from is after the first write on the same whole step', () => {
    expect(one({ from: T + 17 })).toMatchObject({ data: [0.5, 1, 1.5], from: T + 17 });
  });

  it('computes stats before padding and leaves from at the actual start', () => {
    expect(one({ from: T - 600 })).toMatchObject({ from: T, avg: 1, min: 0.5, max: 1.5 });
  });

  it('pads other frequencies by their own steps', () => {
    const t = makeStore();
    ingest(t, series('ten', 'a', run([1, 2], 0, 10)));
    // T/10 - int((T-25)/10) = 3
    expect(entry(t, { metric: 'ten', host: 'a' }, T - 25, T + 20, { 'with-padding': true }).data).toEqual([null, null, null, 1, 2]);
  });
});

describe('conformance: scale-by', () => {
  const s = makeStore();
  ingest(s, series('load', 'a', [[T, 1], [T + 120, 2]]) + series('load', 'b', run([1, 2])));
  const one = (host: string, scale: number, extra: Partial<QueryRequest> = {}) =>
    entry(s, { metric: 'load', host, 'scale-by': scale }, T, T + 180, extra);

  it('multiplies data and stats, leaving NaN as null', () => {
    expect(one('a', 2.5)).toEqual({ data: [2.5, null, 5], from: T, to: T + 180, resolution: 60, avg: 3.75, min: 2.5, max: 5 });
  });

  it('multiplies min and max without swapping them for a negative factor', () => {
    // ScaleBy: `data.Min *= f; data.Max *= f`
    expect(one('b', -1)).toMatchObject({ data: [-1, -2], avg: -1.5, min: -1, max: -2 });
  });

  it('ignores 0 and 1', () => {
    expect(one('b', 0).data).toEqual([1, 2]);
    expect(one('b', 1).data).toEqual([1, 2]);
  });

  it('keeps zero stats at zero without with-stats', () => {
    expect(one('b', 3, { 'with-stats': false })).toMatchObject({ data: [3, 6], avg: 0, min: 0, max: 0 });
  });

  it('keeps NaN stats of an all-NaN answer as null', () => {
    const t = makeStore();
    ingest(t, series('load', 'a', [[T, 1], [T + 60000, 2]]));
    // a range wholly in the gap past the old chunk: data all NaN, AddStats: n == 0 -> NaN
    expect(entry(t, { metric: 'load', host: 'a', 'scale-by': 2 }, T + 42000, T + 42180)).toEqual(
      { data: [null, null, null], from: T + 42000, to: T + 42180, resolution: 60, avg: null, min: null, max: null });
  });
});

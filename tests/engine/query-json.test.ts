// behaviour.md section 4: the /api/query answer, byte for byte where the
// reference's JSON shape matters (field order, omitted fields, null).
import { describe, expect, it } from 'vitest';
import type { QueryRequest } from '../../src/engine/types.ts';
import { lp, makeStore, queryJson } from './helpers.ts';

const T = 1725620400;

function fixture() {
  const s = makeStore();
  const lines: string[] = [];
  for (let i = 0; i < 5; i++) {
    lines.push(`cpu_load,cluster=fritz,hostname=a value=${0.1 * (i + 1)} ${T + i * 60}`);
    lines.push(`cpu_load,cluster=fritz,hostname=b value=${i} ${T + i * 60}`);
    for (let t = 0; t < 2; t++) {
      lines.push(`cpu_user,cluster=fritz,hostname=a,type=socket,type-id=${t} value=${10 * t + i} ${T + i * 60}`);
      for (let c = 0; c < 2; c++) lines.push(`mem_bw,cluster=fritz,hostname=a,type=socket,type-id=${t},stype=memctrl,stype-id=${c} value=${t * 100 + c * 10 + i} ${T + i * 60}`);
    }
  }
  expect(s.ingest(lp(lines.join('\n')), 'fritz', T).error).toBeNull();
  return s;
}

const text = (s: ReturnType<typeof makeStore>, req: QueryRequest) => new TextDecoder().decode(s.query(req));

describe('query answer', () => {
  const s = fixture();

  it('has the field order of the reference and ends with a newline', () => {
    expect(text(s, { cluster: 'fritz', from: T, to: T + 300, queries: [{ metric: 'cpu_load', host: 'a' }] })).toBe(
      '{"results":[[{"data":[0.1,0.2,0.3,0.4,0.5],"from":1725620400,"to":1725620700,"resolution":60,"avg":0.3,"min":0.1,"max":0.5}]]}\n');
  });

  it('pads the front with null and keeps the actual from', () => {
    const r = queryJson(s, { cluster: 'fritz', from: T - 180, to: T + 120, queries: [{ metric: 'cpu_load', host: 'b' }] });
    expect(r.results[0][0]).toEqual({ data: [null, null, null, 0, 1], from: T, to: T + 120, resolution: 60, avg: 0.5, min: 0, max: 1 });
  });

  it('honours with-stats, with-data and with-padding', () => {
    const base = { cluster: 'fritz', from: T - 120, to: T + 120, queries: [{ metric: 'cpu_load', host: 'b' }] };
    expect(queryJson(s, { ...base, 'with-stats': false }).results[0][0]).toEqual({ data: [null, null, 0, 1], from: T, to: T + 120, resolution: 60, avg: 0, min: 0, max: 0 });
    expect(queryJson(s, { ...base, 'with-data': false }).results[0][0]).toEqual({ from: T, to: T + 120, resolution: 60, avg: 0.5, min: 0, max: 1 });
    expect(queryJson(s, { ...base, 'with-padding': false }).results[0][0].data).toEqual([0, 1]);
  });

  it('scales data and statistics by scale-by (not by 0 or 1)', () => {
    const base = { cluster: 'fritz', from: T, to: T + 120 };
    expect(queryJson(s, { ...base, queries: [{ metric: 'cpu_load', host: 'b', 'scale-by': 2.5 }] }).results[0][0])
      .toMatchObject({ data: [0, 2.5], avg: 1.25, min: 0, max: 2.5 });
    for (const f of [0, 1]) {
      expect(queryJson(s, { ...base, queries: [{ metric: 'cpu_load', host: 'b', 'scale-by': f }] }).results[0][0].data).toEqual([0, 1]);
    }
  });

  it('gives one result per type id (times subtype id) without aggreg, one aggregated result with it', () => {
    const base = { cluster: 'fritz', from: T, to: T + 60 };
    const per = queryJson(s, { ...base, queries: [{ metric: 'mem_bw', host: 'a', type: 'socket', 'type-ids': ['0', '1'], subtype: 'memctrl', 'subtype-ids': ['0', '1'] }] });
    expect(per.results[0].map((e: any) => e.data[0])).toEqual([0, 10, 100, 110]);
    const bySocket = queryJson(s, { ...base, queries: [{ metric: 'mem_bw', host: 'a', type: 'socket', 'type-ids': ['0', '1'] }] });
    expect(bySocket.results[0].map((e: any) => e.data[0])).toEqual([10, 210]);
    const agg = queryJson(s, { ...base, queries: [{ metric: 'mem_bw', host: 'a', type: 'socket', 'type-ids': ['0', '1'], subtype: 'memctrl', 'subtype-ids': ['1'], aggreg: true }] });
    expect(agg.results[0].map((e: any) => e.data[0])).toEqual([120]);
    const host = queryJson(s, { ...base, queries: [{ metric: 'mem_bw', host: 'a' }] });
    expect(host.results[0].map((e: any) => e.data[0])).toEqual([220]);
  });

  it('expands for-all-nodes over the hosts of the cluster and echoes the generated queries after the given ones', () => {
    const raw = text(s, { cluster: 'fritz', from: T, to: T + 60, queries: [{ metric: 'cpu_load', host: 'b' }], 'for-all-nodes': ['cpu_load', 'mem_used'] });
    expect(raw.startsWith('{"queries":[{"metric":"cpu_load","host":"a","resolution":0,"aggreg":false},{"metric":"mem_used","host":"a","resolution":0,"aggreg":false},{"metric":"cpu_load","host":"b"')).toBe(true);
    const r = JSON.parse(raw);
    expect(r.queries).toHaveLength(4);
    expect(r.results.map((row: any[]) => row.map((e) => e.data[0]))).toEqual([[0], [0.1], [], [0], []]);
    // an unknown cluster yields no generated queries, and "queries" is left out
    expect(text(s, { cluster: 'nope', from: T, to: T + 60, queries: [], 'for-all-nodes': ['cpu_load'] })).toBe('{"results":[]}\n');
  });

  it('turns from > to and unknown metrics into error entries, unknown hosts into no entry', () => {
    const r = queryJson(s, { cluster: 'fritz', from: T + 60, to: T, queries: [{ metric: 'cpu_load', host: 'a' }, { metric: 'cpu_load', host: 'zzz' }] });
    expect(r.results).toEqual([
      [{ error: '[METRICSTORE]> invalid time range', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 }],
      [{ error: '[METRICSTORE]> invalid time range', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 }],
    ]);
    const u = text(s, { cluster: 'fritz', from: T, to: T + 60, queries: [{ metric: 'no<pe>', host: 'a' }, { metric: 'cpu_load', host: 'zzz' }] });
    expect(u).toBe('{"results":[[{"error":"[METRICSTORE]\\u003e unknown metric: no\\u003cpe\\u003e","from":0,"to":0,"resolution":0,"avg":0,"min":0,"max":0}],[]]}\n');
  });

  it('prints values in the shortest form that reads back to the same 32-bit float', () => {
    const t = makeStore();
    t.ingest(lp(`cpu_load,cluster=c,hostname=h value=0.1 ${T}\ncpu_load,cluster=c,hostname=h value=1e-7 ${T + 60}\ncpu_load,cluster=c,hostname=h value=3e38 ${T + 120}\ncpu_load,cluster=c,hostname=h value=1e39 ${T + 180}\n`), 'c', T);
    expect(text(t, { cluster: 'c', from: T, to: T + 240, queries: [{ metric: 'cpu_load', host: 'h' }], 'with-stats': false }))
      .toContain('"data":[0.1,1e-7,3e+38,null]');
  });
});

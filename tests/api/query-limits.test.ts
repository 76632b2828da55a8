// main.max-query-selectors and main.max-query-points through the app: exact
// boundaries, a 400 naming the count, the limit and its key, and no engine
// work for a body refused by its selectors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { querySelectorCount, selectorsOf } from '../../src/api/query-limits.ts';
import { Store } from '../../src/engine/store.ts';
import type { QueryRequest, QuerySpec } from '../../src/engine/types.ts';
import { call, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe('selectors of a query', () => {
  it('are type-ids x subtype-ids, aggregated or not; an empty list counts one, a subtype without a type its ids (a device under the node)', () => {
    const q = (extra: Partial<QuerySpec>): QuerySpec => ({ metric: 'm', host: 'h', ...extra });
    expect(selectorsOf(q({}))).toBe(1);
    expect(selectorsOf(q({ type: 'hwthread', 'type-ids': ids(72) }))).toBe(72);
    expect(selectorsOf(q({ type: 'hwthread', 'type-ids': ids(1000), subtype: 'core', 'subtype-ids': ids(100_000) }))).toBe(1e8);
    expect(selectorsOf(q({ type: 'hwthread', 'type-ids': ids(1000), subtype: 'core', 'subtype-ids': ids(100_000), aggreg: true }))).toBe(1e8);
    expect(selectorsOf(q({ type: 'hwthread', 'type-ids': [] }))).toBe(1);
    expect(selectorsOf(q({ type: 'hwthread', 'type-ids': ids(5), subtype: 'core', 'subtype-ids': null }))).toBe(5);
    expect(selectorsOf(q({ subtype: 'network', 'subtype-ids': ids(9) }))).toBe(9);
    expect(selectorsOf(q({ subtype: 'network', 'subtype-ids': ids(9), aggreg: true }))).toBe(9);
  });

  it('of a body add up, for-all-nodes as hosts x metrics', () => {
    const req: QueryRequest = { cluster: 'c', from: 0, to: 1, queries: [{ metric: 'm', host: 'h', type: 't', 'type-ids': ids(3) }, { metric: 'm', host: 'h' }] };
    expect(querySelectorCount(req, () => { throw new Error('not asked without for-all-nodes'); })).toBe(4);
    expect(querySelectorCount({ ...req, 'for-all-nodes': ['a', 'b'] }, () => 10)).toBe(24);
  });
});

describe('main.max-query-selectors', () => {
  // 3 x 4 + 1 + for-all-nodes: 2 hosts of fritz x 2 metrics = 17
  const body = JSON.stringify({
    cluster: 'fritz', from: 1000, to: 2000, 'for-all-nodes': ['cpu_load', 'mem_bw'],
    queries: [{ metric: 'cpu_load', host: 'f0101', type: 'socket', 'type-ids': ids(3), subtype: 'core', 'subtype-ids': ids(4), aggreg: true }, { metric: 'cpu_load', host: 'f0101' }],
  });

  it.each([[16, 400], [17, 200], [18, 200]])('with the limit at %i, a body of 17 selectors is a %i', async (limit, status) => {
    const store = createTestStore();
    const res = await call(createApp({ store, limits: { maxQuerySelectors: limit } }), '/api/query', { body });
    expect(res.status).toBe(status);
    if (status === 400) {
      expect(await json(res)).toEqual({ status: 'Bad Request', error: `query expands to 17 selectors (limit main.max-query-selectors = ${limit})` });
      expect(store.calls.query).toHaveLength(0);
    } else {
      expect(store.calls.query).toHaveLength(1);
    }
  });

  it('bounds the healthcheck: nodes x metric-names', async () => {
    const store = createTestStore();
    const app = (limit: number) => createApp({ store, limits: { maxQuerySelectors: limit } });
    const body = JSON.stringify({ cluster: 'fritz', nodes: ['f0101', 'f0102', 'x'], 'metric-names': ['cpu_load', 'mem_bw'] });
    const refused = await call(app(5), '/api/healthcheck', { body });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toBe('healthcheck asks for 6 selectors (limit main.max-query-selectors = 5)');
    expect((await call(app(6), '/api/healthcheck', { body })).status).toBe(200);
    expect((await call(app(5), '/api/healthcheck?cluster=fritz&node=f0101,f0102,x&metric=a,b')).status).toBe(400);
    expect(store.calls.healthCheck).toHaveLength(1);
  });
});

describe('main.max-query-points', () => {
  const wasm = new WebAssembly.Module(readFileSync(new URL('../../build/engine.wasm', import.meta.url)));
  const T = 1725620400;
  const store = Store.fromModule(wasm, { metrics: { cpu_load: { frequency: 60, aggregation: null } }, shards: 2 });
  const lines = ['a', 'b'].flatMap((h) => Array.from({ length: 100 }, (_, i) => `cpu_load,cluster=fritz,hostname=${h} value=${i} ${T + i * 60}`));
  store.ingest(new TextEncoder().encode(lines.join('\n')), 'fritz', T);
  // 2 x (20 nulls + 100 values)
  const req: QueryRequest = { cluster: 'fritz', from: T - 1200, to: T + 6000, queries: [{ metric: 'cpu_load', host: 'a' }, { metric: 'cpu_load', host: 'b' }] };
  const body = JSON.stringify(req);
  const answer = new TextDecoder().decode(store.query(req));

  it.each([[239, 400], [240, 200], [241, 200]])('with the limit at %i, an answer of 240 points is a %i', async (limit, status) => {
    const res = await call(createApp({ store, limits: { maxQueryPoints: limit } }), '/api/query', { body });
    expect(res.status).toBe(status);
    if (status === 400) {
      expect(await json(res)).toEqual({ status: 'Bad Request', error: `query answer would hold more than ${limit} points (limit main.max-query-points = ${limit})` });
    } else {
      expect(await res.text()).toBe(answer);
    }
  });

  it('counts what the answer holds: without padding the same range fits', async () => {
    const res = await call(createApp({ store, limits: { maxQueryPoints: 200 } }), '/api/query', { body: JSON.stringify({ ...req, 'with-padding': false }) });
    expect(res.status).toBe(200);
    expect((await json(res)).results.map((r: any) => r[0].data.length)).toEqual([100, 100]);
  });
});

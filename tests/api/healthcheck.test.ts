import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { healthJson } from '../../src/api/routes/healthcheck.ts';
import { call, json } from '../support/app-client.ts';
import { TEST_METRICS, createTestStore } from '../support/test-store.ts';

const full = { State: 'full', HealthMetrics: '{"degraded":[],"missing":[]}' };

describe('/api/healthcheck', () => {
  it.each(['/api/healthcheck', '/api/healthcheck/'])('takes the reference body {cluster, nodes, metric-names} (%s)', async (path) => {
    const store = createTestStore();
    const body = JSON.stringify({ cluster: 'fritz', nodes: ['f0101', 'x9'], 'metric-names': ['cpu_load'] });
    const res = await call(createApp({ store }), path, { body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await json(res)).toEqual({ f0101: full, x9: { State: 'failed', HealthMetrics: '' } });
    expect(store.calls.healthCheck).toEqual([{ cluster: 'fritz', nodes: ['f0101', 'x9'], metricNames: ['cpu_load'] }]);
  });

  it('writes the answer as Go writes its map: nodes in byte order, HTML-safe escapes, a newline', () => {
    const r = (State: 'full' | 'failed') => ({ State, HealthMetrics: State === 'full' ? '{"degraded":[],"missing":["a<b"]}' : '' });
    // U+FF5E sorts before U+1F600 by code point (UTF-8 bytes), after it by UTF-16 units
    const result = { zz: r('full'), '\u{1F600}': r('failed'), '\uFF5E': r('failed'), B: r('failed'), a: r('failed'), 'x&y': r('full') };
    const text = healthJson(result);
    expect(Object.keys(JSON.parse(text))).toEqual(['B', 'a', 'x&y', 'zz', '\uFF5E', '\u{1F600}']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('"x\\u0026y":{"State":"full","HealthMetrics":"{\\"degraded\\":[],\\"missing\\":[\\"a\\u003cb\\"]}"}');
    expect(healthJson({})).toBe('{}\n');
  });

  it('answers 400 for an unknown field in the body', async () => {
    const body = JSON.stringify({ cluster: 'fritz', nodes: ['f0101'], metrics: ['cpu_load'] });
    const res = await call(createApp({ store: createTestStore() }), '/api/healthcheck', { body });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      status: 'Bad Request',
      error: 'parsing request body failed: unknown field "metrics" (known: cluster, nodes, metric-names)',
    });
  });

  it('matches the body keys case-insensitively like encoding/json, before refusing unknown ones', async () => {
    const store = createTestStore();
    const body = JSON.stringify({ Cluster: 'fritz', NODES: ['f0101'], 'Metric-Names': ['cpu_load'] });
    const res = await call(createApp({ store }), '/api/healthcheck', { body });
    expect(res.status).toBe(200);
    expect(store.calls.healthCheck).toEqual([{ cluster: 'fritz', nodes: ['f0101'], metricNames: ['cpu_load'] }]);
    const unknown = await call(createApp({ store }), '/api/healthcheck', { body: JSON.stringify({ Cluster: 'fritz', Metrics: [] }) });
    expect(unknown.status).toBe(400);
    expect(((await json(unknown)) as { error: string }).error).toMatch(/unknown field "Metrics"/);
  });

  it('answers 400 for a body of the wrong shape', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/api/healthcheck', { body: '{"nodes": "f0101"}' });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      status: 'Bad Request',
      error: 'parsing request body failed: nodes: expected an array, got "f0101"',
    });
  });

  it('takes ?cluster=&node= without a body and checks every configured metric', async () => {
    const store = createTestStore();
    const res = await call(createApp({ store }), '/api/healthcheck?cluster=fritz&node=f0101');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ f0101: full });
    expect(store.calls.healthCheck).toEqual([{ cluster: 'fritz', nodes: ['f0101'], metricNames: Object.keys(TEST_METRICS) }]);
  });

  it('takes repeated and comma-separated node and metric parameters', async () => {
    const store = createTestStore();
    await call(createApp({ store }), '/api/healthcheck?cluster=fritz&node=f0101,f0102&node=f0103&metric=cpu_load');
    expect(store.calls.healthCheck[0]).toEqual({ cluster: 'fritz', nodes: ['f0101', 'f0102', 'f0103'], metricNames: ['cpu_load'] });
  });

  it('answers 400 with neither a body nor cluster and node', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/api/healthcheck?cluster=fritz');
    expect(res.status).toBe(400);
    expect(((await json(res)) as { error: string }).error).toMatch(/\?cluster=\.\.&node=\.\./);
  });
});

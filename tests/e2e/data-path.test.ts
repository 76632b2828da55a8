// The real CLI with the real engine on Node, Bun and Deno: write, query, free,
// debug and healthcheck in raw HTTP, with auth on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const auth = { Authorization: `Bearer ${REFERENCE_TOKEN}` };
// Ten samples a minute apart, the last one in the current minute, so the host is healthy.
const T0 = Math.floor(Date.now() / 60_000) * 60 - 540;
const VALUES = [1, 2, 3.5, 4, 0.25, 6, 7, 8, 9, 10];
const lines = (host: string) =>
  VALUES.map((v, i) => `cpu_load,cluster=fritz,hostname=${host},type=node value=${v} ${T0 + 60 * i}`).join('\n');

describe.each(RUNTIMES)('the service with the engine on %s', (runtime) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(cliCommand(runtime), testConfig({ 'jwt-public-key': REFERENCE_PUBLIC_KEY }));
  });
  afterAll(async () => {
    expect(await server?.stop('SIGTERM')).toBe(0);
  });

  const post = (path: string, body: string) => send(server.port, { method: 'POST', path, body, headers: auth });
  const get = (path: string, body?: string) => send(server.port, { method: 'GET', path, body, headers: auth });

  it('refuses requests without a valid token', async () => {
    expect((await send(server.port, { method: 'POST', path: '/api/write', body: lines('f0101') })).status).toBe(401);
    const forged = { Authorization: `Bearer ${REFERENCE_TOKEN.slice(0, -4)}AAAA` };
    expect((await send(server.port, { method: 'GET', path: '/api/debug', headers: forged })).status).toBe(401);
  });

  it('stores line protocol', async () => {
    for (const host of ['f0101', 'f0102']) {
      const res = await post('/api/write?cluster=fritz', lines(host));
      expect([res.status, res.body]).toEqual([200, '']);
    }
  });

  it('answers the GET query with a body that cc-backend sends', async () => {
    const body = JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 600, queries: [{ metric: 'cpu_load', host: 'f0101' }] });
    const res = await get('/api/query?version=v2', body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      results: [[{ data: VALUES, from: T0, to: T0 + 600, resolution: 60, avg: 5.075, min: 0.25, max: 10 }]],
    });
  });

  it('echoes the generated queries for for-all-nodes', async () => {
    const body = JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 600, 'for-all-nodes': ['cpu_load'], 'with-data': false });
    const res = await post('/api/query/', body);
    const answer = JSON.parse(res.body);
    expect(answer.queries.map((q: { host: string }) => q.host).sort()).toEqual(['f0101', 'f0102']);
    expect(answer.queries[0]).toMatchObject({ metric: 'cpu_load', resolution: 0, aggreg: false });
    expect(answer.results).toHaveLength(2);
    expect(answer.results[0][0]).not.toHaveProperty('data');
  });

  it('leaves out what it does not find and reports errors per entry', async () => {
    const body = JSON.stringify({
      cluster: 'fritz',
      from: T0,
      to: T0 + 600,
      queries: [
        { metric: 'cpu_load', host: 'nope' },
        { metric: 'no_such_metric', host: 'f0101' },
      ],
    });
    const answer = JSON.parse((await get('/api/query', body)).body);
    expect(answer.results[0]).toEqual([]);
    expect(answer.results[1][0].error).toEqual(expect.any(String));
  });

  it('answers a malformed line with a 400 naming it and keeps the lines before', async () => {
    const res = await post('/api/write?cluster=fritz', `cpu_load,hostname=f0103 value=1 ${T0}\ncpu_load,hostname=f0103 value=yes ${T0}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatch(/line 2/);
    const debug = await get('/api/debug?selector=fritz:f0103');
    expect(debug.status).toBe(200);
  });

  it('dumps the chunks of a host', async () => {
    const res = await get('/api/debug/?selector=fritz:f0101');
    expect(JSON.parse(res.body)).toEqual({ data: { cpu_load: [{ start: T0 - 30, len: 10, end: T0 + 570 }] } });
    expect((await get('/api/debug?selector=fritz:nope')).status).toBe(400);
  });

  it('checks health', async () => {
    const body = JSON.stringify({ cluster: 'fritz', nodes: ['f0101', 'nope'], 'metric-names': ['cpu_load'] });
    const answer = JSON.parse((await get('/api/healthcheck', body)).body);
    expect(answer.f0101).toEqual({ State: 'full', HealthMetrics: '{"degraded":[],"missing":[]}' });
    expect(answer.nope.State).toBe('failed');
  });

  it('frees old buffers', async () => {
    const res = await post(`/api/free?to=${T0 + 10_000}`, '[["fritz","f0102"]]');
    expect([res.status, res.body]).toEqual([200, 'buffers freed: 1\n']);
    const body = JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 600, queries: [{ metric: 'cpu_load', host: 'f0102' }] });
    expect(JSON.parse((await get('/api/query', body)).body)).toEqual({ results: [[]] });
  });
});

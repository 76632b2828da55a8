// /api/query and /api/write are answered by the direct handler on node:http's
// request (src/api/direct-handler.ts) unless their URL has something Hono
// decodes, which sends them through the Hono app. Both ways must answer the
// same bytes: every case below is sent once each way, on every runtime. (A big
// answer is streamed by the direct handler, chunked, and sent whole by Hono.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { type RawResponse, send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const auth = { Authorization: `Bearer ${REFERENCE_TOKEN}` };
const T0 = Math.floor(Date.now() / 60_000) * 60 - 240;
const line = (host: string, value: string, i = 0) => `cpu_load,hostname=${host} value=${value} ${T0 + 60 * i}`;
const query = (queries: unknown[]) => JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 300, queries });

interface Case {
  what: string;
  method: string;
  /** `?` and the parameters; the Hono way adds a percent-encoded one. */
  path: string;
  body: string;
  headers?: Record<string, string>;
  status: number;
}

// Each write case uses a host of its own, so that the two ways store into different series.
const CASES = (way: string): Case[] => [
  { what: 'a stored write', method: 'POST', path: '/api/write?cluster=fritz', body: line(`ok-${way}`, '1'), status: 200 },
  { what: 'a write with a malformed line', method: 'POST', path: '/api/write/?cluster=fritz', body: `${line(`bad-${way}`, '1')}\n${line(`bad-${way}`, 'x', 1)}`, status: 400 },
  { what: 'a write without a token', method: 'POST', path: '/api/write?cluster=fritz', body: line(`noauth-${way}`, '1'), headers: {}, status: 401 },
  { what: 'a write over main.max-body-size', method: 'POST', path: '/api/write?cluster=fritz', body: line(`big-${way}`, '1').padEnd(20_000, ' '), status: 413 },
  { what: 'a query', method: 'GET', path: '/api/query?version=v2', body: query([{ metric: 'cpu_load', host: 'seed' }]), status: 200 },
  { what: 'a POST query', method: 'POST', path: '/api/query/', body: query([{ metric: 'cpu_load', host: 'seed' }]), status: 200 },
  {
    what: 'a query that accepts gzip (main.gzip-min-size = 100)',
    method: 'GET',
    path: '/api/query',
    body: query([{ metric: 'cpu_load', host: 'seed' }]),
    headers: { ...auth, 'Accept-Encoding': 'gzip' },
    status: 200,
  },
  {
    // 400 series x 24 h at 60 s, padded: beyond STREAM_MIN_POINTS, within the limit, ~3 MB in three engine steps.
    what: 'a big query, streamed by the direct handler',
    method: 'POST',
    path: '/api/query',
    body: JSON.stringify({
      cluster: 'fritz',
      from: T0 - 86_400,
      to: T0 + 300,
      queries: Array.from({ length: 400 }, () => ({ metric: 'cpu_load', host: 'seed' })),
    }),
    status: 200,
  },
  { what: 'a query of invalid JSON', method: 'GET', path: '/api/query', body: '{bad', status: 400 },
  { what: 'a query of a wrong type', method: 'GET', path: '/api/query', body: query([{ metric: 'cpu_load', host: 'seed', aggreg: 'x' }]), status: 400 },
  { what: 'a query with a bad token', method: 'GET', path: '/api/query', body: query([]), headers: { Authorization: 'Bearer abc.def' }, status: 401 },
  {
    what: 'a query over main.max-query-points',
    method: 'GET',
    path: '/api/query',
    body: JSON.stringify({ cluster: 'fritz', from: 0, to: T0, queries: [{ metric: 'cpu_load', host: 'seed' }] }),
    status: 400,
  },
];

/** The same request through Hono: a parameter with a percent-escape, which the direct handler leaves to it. */
const viaHono = (path: string) => `${path}${path.includes('?') ? '&' : '?'}via=hon%6F`;

/**
 * What a client sees, but the Date header and the framing: Bun's node:http
 * sends Hono's answers chunked and the direct handler's with a Content-Length
 * (Node and Deno give both a Content-Length; the empty 200 of a write has
 * Content-Length: 0 both ways, tested below).
 */
function seen(res: RawResponse) {
  const { date: _date, 'content-length': _length, 'transfer-encoding': _chunked, ...headers } = res.headers;
  return { status: res.status, headers, body: res.body };
}

describe.each(RUNTIMES)('the direct handler on %s', (runtime) => {
  let server: ServerProcess;
  beforeAll(async () => {
    const config = testConfig({ 'jwt-public-key': REFERENCE_PUBLIC_KEY, 'max-body-size': 16_384, 'max-query-points': 5_000_000, 'gzip-min-size': 100 });
    server = await startServer(cliCommand(runtime), config);
    const seed = [1, 2, 3, 4, 5].map((v, i) => line('seed', String(v), i)).join('\n');
    expect((await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: seed, headers: auth })).status).toBe(200);
  });
  afterAll(() => server?.stop('SIGKILL'));

  it.each(CASES('direct').map((c, i) => [c.what, i] as const))('answers %s as the Hono route does', async (_what, i) => {
    const direct = CASES('direct')[i]!;
    const hono = CASES('hono')[i]!;
    const a = await send(server.port, { method: direct.method, path: direct.path, body: direct.body, headers: direct.headers ?? auth });
    const b = await send(server.port, { method: hono.method, path: viaHono(hono.path), body: hono.body, headers: hono.headers ?? auth });
    expect(a.status).toBe(direct.status);
    if (direct.headers?.['Accept-Encoding']) expect(a.headers['content-encoding']).toBe('gzip');
    if (direct.what.includes('streamed')) {
      expect(a.headers['transfer-encoding']).toBe('chunked');
      expect(JSON.parse(a.body).results).toHaveLength(400);
    }
    const bodyOf = (r: RawResponse) => r.body.replaceAll(/(ok|bad|noauth|big)-(direct|hono)/g, '$1-host');
    expect({ ...seen(a), body: bodyOf(a) }).toEqual({ ...seen(b), body: bodyOf(b) });
  });

  it('counts both ways under the same route in the request metrics', async () => {
    const res = await send(server.port, { method: 'GET', path: '/metrics', body: '', headers: auth });
    const count = (route: string, status: string) =>
      Number(new RegExp(`cc_metric_store_http_request_duration_seconds_count\\{route="${route}",status="${status}"\\} (\\d+)`).exec(res.body)?.[1] ?? 0);
    // Each case above ran twice; the seed write once more.
    expect(count('/api/write', '2xx')).toBe(3);
    expect(count('/api/write', '4xx')).toBe(6);
    expect(count('/api/query', '2xx')).toBe(8);
    expect(count('/api/query', '4xx')).toBe(8);
  });

  // After the counts above: these writes would change them.
  it('answers a stored write with Content-Length: 0, not chunked, both ways (as the reference)', async () => {
    for (const [i, path] of ['/api/write?cluster=fritz', viaHono('/api/write?cluster=fritz')].entries()) {
      const res = await send(server.port, { method: 'POST', path, body: line('empty-200', '1', i), headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe('0');
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect(res.body).toBe('');
    }
  });
});

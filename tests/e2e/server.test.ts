// The real CLI (config, auth, HTTP, runtime layer, engine, persistence,
// shutdown) on Node, Bun and Deno, spoken to in raw HTTP/1.1 as curl and
// cc-backend speak it.

import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { hs256WithPublicKey, unsignedToken } from '../support/tokens.ts';
import { parseResponse, requestText, send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const auth = { Authorization: `Bearer ${REFERENCE_TOKEN}` };
// Five samples a minute apart, the last in the current minute.
const T0 = Math.floor(Date.now() / 60_000) * 60 - 240;
const samples = (host: string) => [1, 2, 3, 4, 5].map((v, i) => `cpu_load,hostname=${host} value=${v} ${T0 + 60 * i}`).join('\n');
const query = JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 300, queries: [{ metric: 'cpu_load', host: 'f0101' }] });
const answer = { results: [[{ data: [1, 2, 3, 4, 5], from: T0, to: T0 + 300, resolution: 60, avg: 3, min: 1, max: 5 }]] };

describe.each(RUNTIMES)('the service on %s', (runtime) => {
  describe('with JWT auth', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      const config = testConfig({ 'jwt-public-key': REFERENCE_PUBLIC_KEY, 'max-body-size': 4096 });
      server = await startServer(cliCommand(runtime), config, ['-dev']);
      for (const host of ['f0101', 'f0102']) {
        const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: samples(host), headers: auth });
        expect(res.status).toBe(200);
      }
    });
    afterAll(() => server?.stop('SIGKILL'));

    it('reads the body of GET /api/query?version=v2, as cc-backend and curl send it', async () => {
      const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body: query, headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual(answer);
    });

    it('answers POST /api/query/ the same', async () => {
      const res = await send(server.port, { method: 'POST', path: '/api/query/', body: query, headers: auth });
      expect(JSON.parse(res.body)).toEqual(answer);
    });

    it.each([
      ['no Authorization header', {}, 'Use JWT Authentication'],
      ['alg none', { Authorization: `Bearer ${unsignedToken()}` }, /^invalid token: /],
      ['a malformed token', { Authorization: 'Bearer abc.def' }, /^invalid token: /],
      ['another scheme', { Authorization: `Token ${REFERENCE_TOKEN}` }, 'Use JWT Authentication'],
    ])('answers 401 with the JSON error body for %s', async (_what, headers, message) => {
      const res = await send(server.port, { method: 'GET', path: '/api/query', body: query, headers });
      expect(res.status).toBe(401);
      const body = JSON.parse(res.body);
      expect(body.status).toBe('Unauthorized');
      expect(body.error).toMatch(message);
    });

    it('answers 401 for HS256 signed with the public key bytes', async () => {
      const token = await hs256WithPublicKey(REFERENCE_PUBLIC_KEY);
      const res = await send(server.port, { method: 'POST', path: '/api/write', body: 'x value=1', headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    });

    it('writes line protocol: 200 with an empty body, 400 naming a bad line', async () => {
      const good = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: `cpu_load,hostname=f0103 value=1 ${T0}\n`, headers: auth });
      expect(good.status).toBe(200);
      expect(good.body).toBe('');
      const bad = await send(server.port, { method: 'POST', path: '/api/write/', body: `cpu_load,cluster=fritz,hostname=f0103 value=1 ${T0}\ncpu_load,hostname=f0103 value=yes\n`, headers: auth });
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body).error).toMatch(/^line 2: /);
    });

    it('dumps, checks health and frees', async () => {
      const debug = await send(server.port, { method: 'GET', path: '/api/debug/?selector=fritz:f0101', headers: auth });
      expect([debug.status, JSON.parse(debug.body)]).toEqual([200, { data: { cpu_load: [{ start: T0 - 30, len: 5, end: T0 + 270 }] } }]);
      const unknown = await send(server.port, { method: 'GET', path: '/api/debug?selector=nope', headers: auth });
      expect(unknown.status).toBe(400);
      const health = await send(server.port, { method: 'GET', path: '/api/healthcheck?cluster=fritz&node=f0101', headers: auth });
      expect(JSON.parse(health.body)).toEqual({ f0101: { State: 'partial', HealthMetrics: '{"degraded":[],"missing":["flops_any","clock"]}' } });
      const healthBody = JSON.stringify({ cluster: 'fritz', nodes: ['f0102', 'nope'], 'metric-names': ['cpu_load'] });
      const viaBody = await send(server.port, { method: 'GET', path: '/api/healthcheck/', body: healthBody, headers: auth });
      expect(JSON.parse(viaBody.body)).toEqual({
        f0102: { State: 'full', HealthMetrics: '{"degraded":[],"missing":[]}' },
        nope: { State: 'failed', HealthMetrics: '' },
      });
      const free = await send(server.port, { method: 'POST', path: `/api/free?to=${T0 + 3600}`, body: '[["fritz","f0102"]]', headers: auth });
      expect([free.status, free.body]).toEqual([200, 'buffers freed: 1\n']);
    });

    it('answers 404, 405 and 413 with JSON error bodies', async () => {
      const notFound = await send(server.port, { method: 'GET', path: '/api/metrics', headers: auth });
      expect([notFound.status, JSON.parse(notFound.body).status]).toEqual([404, 'Not Found']);
      const wrongMethod = await send(server.port, { method: 'GET', path: '/api/write', headers: auth });
      expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);
      const big = 'cpu_load,hostname=f0101 value=1\n'.repeat(200);
      const tooLarge = await send(server.port, { method: 'POST', path: '/api/write', body: big, headers: auth });
      expect(tooLarge.status).toBe(413);
      expect(JSON.parse(tooLarge.body)).toEqual({
        status: 'Request Entity Too Large',
        error: 'request body larger than 4096 bytes (main.max-body-size)',
      });
    });

    it('serves Swagger UI with -dev', async () => {
      const page = await send(server.port, { method: 'GET', path: '/swagger/' });
      expect(page.status).toBe(200);
      expect(page.body).toContain('swagger-ui');
      const doc = await send(server.port, { method: 'GET', path: '/swagger/doc.json' });
      expect(Object.keys(JSON.parse(doc.body).paths)).toHaveLength(5);
    });

    it('shuts down gracefully on SIGTERM: the request in flight is answered, idle connections do not hold it up', async () => {
      // An idle keep-alive connection.
      const idle = connect(server.port, '127.0.0.1');
      await new Promise((resolve) => idle.once('connect', resolve));
      idle.write(requestText({ method: 'GET', path: '/api/debug?selector=fritz:f0101', headers: { ...auth, Connection: 'keep-alive' } }, server.port).replace('Connection: close\r\n', ''));
      await new Promise((resolve) => idle.once('data', resolve));

      // A write whose body is still arriving when the signal comes.
      const body = `cpu_load,hostname=f0104 value=1 ${T0}\n`;
      const inFlight = connect(server.port, '127.0.0.1');
      const received: Buffer[] = [];
      inFlight.on('data', (d) => received.push(d));
      const closed = new Promise((resolve) => inFlight.on('close', resolve));
      await new Promise((resolve) => inFlight.once('connect', resolve));
      const request = requestText({ method: 'POST', path: '/api/write?cluster=fritz', body, headers: auth }, server.port);
      inFlight.write(request.slice(0, request.length - 10));
      await new Promise((resolve) => setTimeout(resolve, 300));

      const exit = server.stop('SIGTERM');
      await waitFor(() => server.stderr().includes('SIGTERM received'));
      inFlight.write(request.slice(request.length - 10));
      await closed;
      expect(parseResponse(Buffer.concat(received)).status).toBe(200);
      expect(await exit).toBe(0);
      expect(server.stderr()).toContain('Graceful shutdown completed!');
      // The write that came in while the signal was handled is in the final checkpoint.
      expect(readdirSync(join(server.dir, 'var/checkpoints/fritz/f0104')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
      idle.destroy();
    });
  });

  describe('over HTTPS without auth', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      const config = testConfig({ 'https-cert-file': fixture('test-cert.pem'), 'https-key-file': fixture('test-key.pem') });
      server = await startServer(cliCommand(runtime), config, ['-logdate']);
      const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: samples('f0101') }, { tls: true });
      expect(res.status).toBe(200);
    });
    afterAll(() => server?.stop('SIGKILL'));

    it('says so at start-up, every line dated with -logdate', () => {
      expect(server.stderr()).toMatch(/^<6>\[INFO\]     \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d HTTPS server listening at 127\.0\.0\.1:/m);
      expect(server.stderr()).toMatch(/^<4>\[WARNING\]  \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d no main\.jwt-public-key configured/m);
    });

    it('serves the checkpoint viewer at /viewer/', async () => {
      const page = await send(server.port, { method: 'GET', path: '/viewer/' }, { tls: true });
      expect([page.status, page.headers['content-type']]).toEqual([200, expect.stringContaining('text/html')]);
      const scripts = [...page.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const src of scripts) {
        const script = await send(server.port, { method: 'GET', path: `/viewer/${src.replace(/^\.\//, '')}` }, { tls: true });
        expect([src, script.status, script.headers['content-type']]).toEqual([src, 200, expect.stringContaining('javascript')]);
      }
    });

    it('answers GET /api/query with a body without a token', async () => {
      const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body: query }, { tls: true });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual(answer);
    });

    it('shuts down gracefully on SIGINT (Ctrl-C) too', async () => {
      expect(await server.stop('SIGINT')).toBe(0);
      expect(server.stderr()).toContain('SIGINT received');
      expect(server.stderr()).toContain('Graceful shutdown completed!');
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

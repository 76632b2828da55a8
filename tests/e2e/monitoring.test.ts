// Monitoring through the real CLI on Node, Bun and Deno: /healthz and /readyz
// without a token, /metrics with one and in a format a strict parser (and
// Prometheus's own promtool, when it is on PATH) accepts, -logformat json
// lines, and the node provider asking a fake cc-backend with the token of
// main.backend-token-file.

import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePrometheusText, valueOf } from '../support/prometheus-text.ts';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, run, startServer, tempDir, testConfig } from './support/server-process.ts';

const auth = { authorization: `Bearer ${REFERENCE_TOKEN}` };
const BACKEND_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjY21zIiwicm9sZXMiOlsiYXBpIl19.c2lnbmF0dXJl';

/** cc-backend's /api/jobs/used_nodes behind its JWT check: 401 without the token, f0101 busy with it. */
class FakeBackend {
  readonly authorizations: Array<string | undefined> = [];
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (!req.url?.startsWith('/api/jobs/used_nodes?ts=')) {
        res.writeHead(404).end();
        return;
      }
      this.authorizations.push(req.headers.authorization);
      const ok = req.headers.authorization === `Bearer ${BACKEND_TOKEN}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? JSON.stringify({ fritz: ['f0101'] }) : '{"error":"missing JWT"}');
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Prometheus's own parser and linter, when installed (Debian package `prometheus`). */
function promtool(text: string): { status: number | null; output: string } | null {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error) return null;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe.each(RUNTIMES)('monitoring on %s', (runtime) => {
  const backend = new FakeBackend();
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'backend.jwt'), `${BACKEND_TOKEN}\n`);
    const config = testConfig(
      { 'jwt-public-key': REFERENCE_PUBLIC_KEY, 'backend-url': await backend.start(), 'backend-token-file': join(dir, 'backend.jwt') },
      // A retention pass every 2 s, so the node provider is asked during the test.
      { 'retention-in-memory': '4s' },
    );
    server = await startServer(cliCommand(runtime), config, ['-logformat', 'json'], dir);
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await backend.stop();
  });

  it('answers /healthz and /readyz without a token, /metrics only with one', async () => {
    const healthz = await fetch(`${url}/healthz`);
    expect([healthz.status, await healthz.json()]).toEqual([200, { status: 'alive' }]);
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ status: 'ready', restore: { hosts: 0 }, nats: null });
    const denied = await fetch(`${url}/metrics`);
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
  });

  it('exposes metrics a strict parser accepts, with the writes counted', async () => {
    // Inside the ingest window of this server's 4 s retention.
    const T = Math.floor(Date.now() / 1000);
    const body = `cpu_load,cluster=fritz,hostname=f0101 value=1 ${T}\ncpu_load,cluster=fritz,hostname=f0102 value=2 ${T}\nnot_configured,cluster=fritz,hostname=f0101 value=3 ${T}\n`;
    expect((await fetch(`${url}/api/write`, { method: 'POST', body, headers: auth })).status).toBe(200);
    const bad = await fetch(`${url}/api/write?cluster=fritz`, { method: 'POST', body: 'cpu_load,hostname=f0103 value=oops\n', headers: auth });
    expect(bad.status).toBe(400);

    const res = await fetch(`${url}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = parsePrometheusText(text);
    expect(valueOf(m, 'cc_metric_store_info', { runtime })).toBe(1);
    expect(valueOf(m, 'cc_metric_store_samples_accepted_total', { source: 'http' })).toBe(2);
    expect(valueOf(m, 'cc_metric_store_lines_skipped_total', { source: 'http' })).toBe(1);
    expect(valueOf(m, 'cc_metric_store_samples_rejected_total', { source: 'http', reason: 'malformed' })).toBe(1);
    expect(valueOf(m, 'cc_metric_store_http_request_duration_seconds_count', { route: '/api/write', status: '2xx' })).toBe(1);
    expect(valueOf(m, 'cc_metric_store_http_request_duration_seconds_count', { route: '/metrics', status: '4xx' })).toBe(1);
    expect(valueOf(m, 'cc_metric_store_shard_samples', { shard: '0' })).toBe(2);
    expect(valueOf(m, 'cc_metric_store_wal_bytes_written_total')).toBeGreaterThan(0);
    expect(valueOf(m, 'cc_metric_store_http_open_connections')).toBeGreaterThanOrEqual(1);
    for (const family of ['cc_metric_store_restore_duration_seconds', 'cc_metric_store_checkpoint_last_timestamp_seconds', 'process_cpu_seconds_total']) {
      expect(m.has(family), family).toBe(true);
    }
    const checked = promtool(text);
    if (checked) {
      // Exit 1 is a parse error; 3 is lint only. prom-client's own nodejs_* gauges end in _total, which promtool's linter dislikes.
      expect(checked.status, checked.output).not.toBe(1);
      expect(checked.output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('nodejs_')), checked.output).toEqual([]);
    }
  });

  it('asks cc-backend for the busy nodes with the token of main.backend-token-file', async () => {
    await vi.waitFor(() => expect(backend.authorizations.length).toBeGreaterThan(0), { timeout: 20_000, interval: 100 });
    expect(new Set(backend.authorizations)).toEqual(new Set([`Bearer ${BACKEND_TOKEN}`]));
    const m = parsePrometheusText(await (await fetch(`${url}/metrics`, { headers: auth })).text());
    expect(valueOf(m, 'cc_metric_store_node_provider_failures_total')).toBe(0);
  });

  it('logs one JSON object per line with -logformat json', () => {
    const lines = server.stderr().trimEnd().split('\n');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const r of records) {
      expect(typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time))).toBe(true);
      expect(['debug', 'info', 'warning', 'error', 'critical']).toContain(r.level);
      expect(typeof r.message).toBe('string');
    }
    expect(records.map((r) => r.message)).toContainEqual(expect.stringMatching(/^HTTP server listening at 127\.0\.0\.1:\d+/));
    expect(records.map((r) => r.message)).toContainEqual(expect.stringMatching(/with the token of main\.backend-token-file/));
    expect(records).toContainEqual(expect.objectContaining({ level: 'warning', message: expect.stringMatching(/^\/api\/write \(cluster "fritz"\): line 1: /) }));
    expect(lines.join('\n')).not.toContain(BACKEND_TOKEN);
  });
});

describe('-logformat through the real CLI', () => {
  it('refuses a format other than text and json with exit code 2', async () => {
    const { code, stderr } = await run(cliCommand('node'), ['-logformat', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toContain('invalid value "xml" for -logformat: use text or json');
  });
});

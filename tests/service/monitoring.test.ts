// /metrics, /healthz and /readyz of the composed service in-process, on the
// real engine with persistence in a temporary directory: who may read them,
// and what the write path, the HTTP layer and persistence report.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { silentLogger } from '../../src/log.ts';
import { Registry } from 'prom-client';
import { rejectionsByReason } from '../../src/monitor/ingest-metrics.ts';
import { natsMetrics } from '../../src/monitor/nats-metrics.ts';
import { ScrapedMetrics } from '../../src/monitor/scraped.ts';
import { readiness } from '../../src/monitor/readiness.ts';
import { EXTENSIONS, type ExtensionFactory } from '../../src/service/extensions.ts';
import { type RunningService, startService } from '../../src/service/start.ts';
import { ExpositionError, parsePrometheusText, valueOf } from '../support/prometheus-text.ts';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccms-monitoring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const auth = { authorization: `Bearer ${REFERENCE_TOKEN}` };
const now = Math.floor(Date.now() / 1000);

function config(main: Record<string, unknown>, name: string) {
  return validateConfig(
    {
      main: { addr: '127.0.0.1:0', 'jwt-public-key': REFERENCE_PUBLIC_KEY, ...main },
      metrics: { cpu_load: { frequency: 60, aggregation: null } },
      'metric-store': { 'retention-in-memory': '1h', 'memory-cap': 0, checkpoints: { directory: join(dir, name) } },
    },
    'test',
  );
}

/** Writes two lines through the write path NATS gets, as the subscriber would. */
const natsLike: ExtensionFactory = ({ writePath }) => ({
  service: {
    name: 'nats-like',
    async start() {
      const batch = writePath.openBatch();
      batch.ingest(new TextEncoder().encode(`cpu_load,hostname=n1 value=1 ${now}\nunknown_metric,hostname=n1 value=2 ${now}`), 'fritz');
      await batch.commit();
    },
    stop() {},
  },
});

async function scrape(service: RunningService, headers: Record<string, string> = auth) {
  const res = await fetch(`${service.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

describe('monitoring endpoints of the service', () => {
  it('/healthz and /readyz answer without a token, /metrics only with one', async () => {
    const service = await startService({ config: config({}, 'auth'), log: silentLogger });
    try {
      const healthz = await fetch(`${service.url}/healthz`);
      expect([healthz.status, await healthz.json()]).toEqual([200, { status: 'alive' }]);
      const readyz = await fetch(`${service.url}/readyz/`);
      expect(readyz.status).toBe(200);
      expect(await readyz.json()).toMatchObject({ status: 'ready', restore: { hosts: 0, files: 0 }, nats: null });
      const denied = await fetch(`${service.url}/metrics`);
      expect(denied.status).toBe(401);
      expect(await denied.json()).toEqual({ status: 'Unauthorized', error: 'Use JWT Authentication' });
      await scrape(service);
      const post = await fetch(`${service.url}/healthz`, { method: 'POST' });
      expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    } finally {
      await service.stop();
    }
  });

  it('main.metrics-without-auth opens /metrics alone', async () => {
    const service = await startService({ config: config({ 'metrics-without-auth': true }, 'open'), log: silentLogger });
    try {
      await scrape(service, {});
      expect((await fetch(`${service.url}/api/debug`)).status).toBe(401);
    } finally {
      await service.stop();
    }
  });

  it('counts samples by source and reason, times requests by route and status class, reads persistence', async () => {
    const service = await startService({ config: config({}, 'counts'), log: silentLogger, extensions: [...EXTENSIONS, natsLike] });
    try {
      const body = `cpu_load,cluster=fritz,hostname=h1 value=1 ${now}\ncpu_load,cluster=fritz,hostname=h2 value=2 ${now}\nnope,cluster=fritz,hostname=h1 value=3 ${now}\ncpu_load,cluster=fritz,hostname=h1 value=x\n`;
      expect((await fetch(`${service.url}/api/write`, { method: 'POST', body, headers: auth })).status).toBe(400);
      expect((await fetch(`${service.url}/api/write/?cluster=fritz`, { method: 'POST', body: `cpu_load,hostname=h3 value=4 ${now}`, headers: auth })).status).toBe(200);
      expect((await fetch(`${service.url}/api/query`, { method: 'POST', body: '{', headers: auth })).status).toBe(400);
      expect((await fetch(`${service.url}/nowhere`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${service.url}/api/write`, { method: 'POST', body: '' })).status).toBe(401);

      const m = await scrape(service);
      expect(valueOf(m, 'cc_metric_store_samples_accepted_total', { source: 'http' })).toBe(3);
      expect(valueOf(m, 'cc_metric_store_samples_accepted_total', { source: 'nats' })).toBe(1);
      expect(valueOf(m, 'cc_metric_store_lines_skipped_total', { source: 'http' })).toBe(1);
      expect(valueOf(m, 'cc_metric_store_lines_skipped_total', { source: 'nats' })).toBe(1);
      expect(valueOf(m, 'cc_metric_store_samples_rejected_total', { source: 'http', reason: 'malformed' })).toBe(1);
      const count = (route: string, status: string) => valueOf(m, 'cc_metric_store_http_request_duration_seconds_count', { route, status });
      expect([count('/api/write', '4xx'), count('/api/write', '2xx'), count('/api/query', '4xx'), count('other', '4xx')]).toEqual([2, 1, 1, 1]);
      expect(m.get('cc_metric_store_http_request_duration_seconds')!.type).toBe('histogram');
      expect(valueOf(m, 'cc_metric_store_hosts')).toBe(4);
      expect(valueOf(m, 'cc_metric_store_shard_samples', { shard: '0' })).toBe(4);
      expect(valueOf(m, 'cc_metric_store_bytes_per_sample', { kind: 'used' })).toBeGreaterThan(0);
      expect(valueOf(m, 'cc_metric_store_shard_bytes_per_sample', { shard: '0', kind: 'linear' })).toBeGreaterThan(0);
      expect(valueOf(m, 'cc_metric_store_process_rss_bytes')).toBeGreaterThan(10e6);
      expect(valueOf(m, 'cc_metric_store_process_rss_bytes_per_sample')).toBeGreaterThan(0);
      expect(valueOf(m, 'cc_metric_store_wal_bytes_written_total')).toBeGreaterThan(0);
      expect(valueOf(m, 'cc_metric_store_wal_hosts')).toBe(4);
      expect(valueOf(m, 'cc_metric_store_restore_duration_seconds')).toBeGreaterThanOrEqual(0);
      expect(valueOf(m, 'cc_metric_store_checkpoint_last_timestamp_seconds')).toBeGreaterThan(now - 60);
      expect(valueOf(m, 'cc_metric_store_checkpoint_interval_seconds')).toBe(12 * 3600);
      expect(valueOf(m, 'cc_metric_store_ready')).toBe(1);
      expect(valueOf(m, 'cc_metric_store_http_open_connections')).toBeGreaterThanOrEqual(1);
      expect(valueOf(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      // No NATS in this service: no NATS metrics rather than zeros.
      expect([...m.keys()].filter((name) => name.includes('nats_'))).toEqual([]);
    } finally {
      await service.stop();
    }
  });
});

describe('counting refused samples', () => {
  it('counts the reasons the engine gives, leaving out those at zero', () => {
    expect(rejectionsByReason({ accepted: 1, skipped: 0, reasons: { 'too-old': 2, 'unsafe-name': 0, 'store-full': 1, malformed: 1 } })).toEqual([
      ['too-old', 2],
      ['store-full', 1],
      ['malformed', 1],
    ]);
    expect(rejectionsByReason({ accepted: 1, skipped: 2, reasons: {} })).toEqual([]);
  });
});

describe('NATS metrics', () => {
  it("carry the subscriber's counters, per subscription where it has them, replaced on each scrape", async () => {
    const registry = new Registry();
    const update = natsMetrics(new ScrapedMetrics(registry));
    const counters = {
      connected: true,
      server: '127.0.0.1:4222',
      messages: 7,
      linesAccepted: 20,
      linesRejected: 2,
      badMessages: 1,
      messagesDropped: 0,
      ingestFailures: 0,
      reconnects: 3,
      lastError: null,
      authorizationFailed: false,
      subscriptions: [
        { subject: 'hpc-nats', clusterTag: 'fritz', messages: 5, queuedMessages: 1, queuedBytes: 120 },
        { subject: 'hpc.>', clusterTag: '', messages: 2, queuedMessages: 0, queuedBytes: 0 },
      ],
    };
    update(counters);
    update({ ...counters, messages: 9, connected: false, subscriptions: [{ ...counters.subscriptions[0]!, messages: 7 }, counters.subscriptions[1]!] });
    const m = parsePrometheusText(await registry.metrics());
    expect(valueOf(m, 'cc_metric_store_nats_messages_total')).toBe(9);
    expect(valueOf(m, 'cc_metric_store_nats_connected')).toBe(0);
    expect(valueOf(m, 'cc_metric_store_nats_lines_accepted_total')).toBe(20);
    expect(valueOf(m, 'cc_metric_store_nats_lines_rejected_total')).toBe(2);
    expect(valueOf(m, 'cc_metric_store_nats_reconnects_total')).toBe(3);
    expect(valueOf(m, 'cc_metric_store_nats_subscription_messages_total', { subject: 'hpc-nats', cluster: 'fritz' })).toBe(7);
    expect(valueOf(m, 'cc_metric_store_nats_subscription_queued_bytes', { subject: 'hpc-nats', cluster: 'fritz' })).toBe(120);
    expect(valueOf(m, 'cc_metric_store_nats_subscription_messages_total', { subject: 'hpc.>', cluster: '' })).toBe(2);
  });
});

describe('readiness', () => {
  it('is ready only in the ready phase and reports NATS without requiring it', () => {
    const nats = { connected: false, server: null, lastError: 'connection refused' } as never;
    expect(readiness('starting', undefined, undefined)).toEqual({ ready: false, body: { status: 'starting', restore: null, nats: null } });
    expect(readiness('ready', undefined, nats)).toMatchObject({ ready: true, body: { nats: { connected: false, lastError: 'connection refused' } } });
    expect(readiness('stopping', undefined, undefined).ready).toBe(false);
  });
});

describe('the strict exposition parser of the tests', () => {
  it.each([
    ['a{r="1} 3\n', /unterminated|expected/],
    ['a{r=1} 3\n', /bad label/],
    ['a 3 x\n', /expected " value/],
    ['a{r="\\t"} 1\n', /invalid escape/],
    ['a abc\n', /invalid value/],
    ['# TYPE a counter\na -1\n', /must not be negative/],
    ['a 1\n# TYPE a counter\n', /after its samples/],
    ['a 1\nb 1\na{x="1"} 2\n', /appears again/],
    ['a 1\na 2\n', /duplicate series/],
    ['# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /not cumulative/],
    ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /no le="\+Inf"/],
    ['a 1', /end with a newline/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePrometheusText(text)).toThrow(ExpositionError);
    expect(() => parsePrometheusText(text)).toThrow(message);
  });

  it('reads families, escapes, special values and histograms', () => {
    const text = '# HELP a says \\\\ and \\n\n# TYPE a gauge\na{r="q\\"\\\\\\n",s="x",} NaN\na +Inf 1700000000000\n# TYPE h histogram\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1.5e0\nh_count 2\n';
    const m = parsePrometheusText(text);
    expect(m.get('a')).toMatchObject({ type: 'gauge', help: 'says \\ and \n', samples: [{ labels: { r: 'q"\\\n', s: 'x' } }, { value: Infinity }] });
    expect(Number.isNaN(m.get('a')!.samples[0]!.value)).toBe(true);
    expect(valueOf(m, 'h_count')).toBe(2);
  });
});

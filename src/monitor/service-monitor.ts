// Self-monitoring of the service: one prom-client registry per service with
// the write path's counts, the HTTP latencies, and everything else read at
// scrape time from the counters /api/debug shows (store, persistence, NATS),
// plus the process metrics prom-client collects on Node, Bun and Deno alike.

import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceConfig } from '../config/types.ts';
import type { MonitoringRoutes } from '../api/routes/monitoring.ts';
import type { MetricStore } from '../engine/types.ts';
import type { NatsCounters } from '../nats/index.ts';
import type { PersistenceStatus } from '../persist/index.ts';
import { runtimeName, runtimeVersion } from '../runtime/index.ts';
import type { WritePath } from '../service/ingest.ts';
import { HttpMetrics } from './http-metrics.ts';
import { IngestMetrics, type WriteSource } from './ingest-metrics.ts';
import { natsMetrics } from './nats-metrics.ts';
import { persistenceMetrics } from './persistence-metrics.ts';
import { type Phase, type Readiness, readiness } from './readiness.ts';
import { ScrapedMetrics } from './scraped.ts';
import { storeMetrics } from './store-metrics.ts';

/** The members of the service status (/api/debug without a selector) that monitoring reads. */
export interface MonitoredStatus {
  persistence?: PersistenceStatus;
  nats?: NatsCounters;
}

export interface ServiceMonitorOptions {
  config: ServiceConfig;
  store: MetricStore;
  /** The service status, as /api/debug shows it. */
  status: () => MonitoredStatus;
  /** HTTP connections open now. */
  connections: () => number;
  /** Paths that get a route label of their own. */
  routes: readonly string[];
}

export interface ServiceMonitor {
  /** `path`, its bodies counted as coming from `source`. */
  countWrites(path: WritePath, source: WriteSource): WritePath;
  setPhase(phase: Phase): void;
  readiness(): Readiness;
  /** The Prometheus text exposition of every metric, read now. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** What the app mounts: /metrics, /healthz, /readyz and the request metrics. */
  routes(): MonitoringRoutes;
}

export function createServiceMonitor(options: ServiceMonitorOptions): ServiceMonitor {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const scraped = new ScrapedMetrics(registry);
  const ingest = new IngestMetrics(registry);
  const http = new HttpMetrics(registry, options.routes);
  new Gauge({
    name: 'cc_metric_store_info',
    help: 'The runtime the store runs on (value 1)',
    labelNames: ['runtime', 'runtime_version'],
    registers: [registry],
  }).set({ runtime: runtimeName(), runtime_version: runtimeVersion() }, 1);
  const ready = scraped.gauge('cc_metric_store_ready', '1 once restored and serving, 0 while starting or stopping (as /readyz)');
  const connections = scraped.gauge('cc_metric_store_http_open_connections', 'HTTP connections open now (on Bun: those that sent a request)');
  const ms = options.config.metricStore;
  const updateStore = storeMetrics(scraped, options.store, { memoryCapBytes: ms.memoryCapGB * 1e9, shardMemoryLimitBytes: ms.shardMemoryLimit });
  const intervals = { checkpointSeconds: ms.checkpointIntervalSeconds, retentionSeconds: ms.retentionInMemorySeconds };
  // Created when their part first reports: a store without NATS shows no NATS metrics.
  let updatePersistence: ((s: PersistenceStatus) => void) | null = null;
  let updateNats: ((c: NatsCounters) => void) | null = null;
  let phase: Phase = 'starting';

  const monitor: ServiceMonitor = {
    countWrites: (path, source) => ingest.counting(path, source),
    setPhase(next) {
      phase = next;
    },
    readiness() {
      const status = options.status();
      return readiness(phase, status.persistence, status.nats);
    },
    async scrape() {
      const status = options.status();
      ready(phase === 'ready' ? 1 : 0);
      connections(options.connections());
      updateStore();
      if (status.persistence) (updatePersistence ??= persistenceMetrics(scraped, intervals))(status.persistence);
      if (status.nats) (updateNats ??= natsMetrics(scraped))(status.nats);
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    routes: () => ({
      middleware: http.middleware(),
      requests: http,
      scrape: () => monitor.scrape(),
      readiness: () => monitor.readiness(),
      metricsWithoutAuth: options.config.main.metricsWithoutAuth,
    }),
  };
  return monitor;
}

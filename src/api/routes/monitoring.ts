// (ours) Monitoring endpoints: GET /metrics in the Prometheus text format
// (behind the JWT like /api unless main.metrics-without-auth), and the probes
// of load balancers and Kubernetes, GET /healthz (alive) and GET /readyz
// (restored and serving), which never need a token: a probe carries none.

import type { Hono, MiddlewareHandler } from 'hono';
import type { RequestMetrics } from '../../monitor/http-metrics.ts';
import type { Readiness } from '../../monitor/readiness.ts';
import { errorResponse } from '../errors.ts';
import type { AppEnv } from './context.ts';

export interface MonitoringRoutes {
  /** Runs around every request of the app (latency histogram, requests in flight). */
  middleware: MiddlewareHandler;
  /** The same metrics for the requests the direct handler answers (direct-handler.ts). */
  requests?: RequestMetrics;
  scrape(): Promise<{ contentType: string; body: string }>;
  readiness(): Readiness;
  /** main.metrics-without-auth. */
  metricsWithoutAuth: boolean;
}

/** The paths these routes answer, for route labels and the method check. */
export const MONITORING_PATHS = ['/metrics', '/healthz', '/readyz'] as const;

const NO_STORE = { 'cache-control': 'no-store' };

export function mountMonitoring(app: Hono<AppEnv>, routes: MonitoringRoutes, guard: MiddlewareHandler | null): void {
  app.use('*', routes.middleware);
  const metricsGuard = routes.metricsWithoutAuth ? null : guard;
  const metrics: MiddlewareHandler = async (c) => {
    const { contentType, body } = await routes.scrape();
    return c.body(body, 200, { 'content-type': contentType, ...NO_STORE });
  };
  const handlers: Record<(typeof MONITORING_PATHS)[number], MiddlewareHandler[]> = {
    '/metrics': metricsGuard ? [metricsGuard, metrics] : [metrics],
    '/healthz': [async (c) => c.json({ status: 'alive' }, 200, NO_STORE)],
    '/readyz': [
      async (c) => {
        const { ready, body } = routes.readiness();
        return c.json(body, ready ? 200 : 503, NO_STORE);
      },
    ],
  };
  for (const path of MONITORING_PATHS) {
    for (const p of [path, `${path}/`]) {
      app.get(p, ...(handlers[path] as [MiddlewareHandler]));
      app.all(p, () => errorResponse(405, 'method not allowed, use GET or HEAD', { allow: 'GET, HEAD' }));
    }
  }
}

// Latency of every request by endpoint and status class, and the requests in
// flight: a Hono middleware that runs around every route, the 401s of the
// JWT check and the 404s included.

import type { MiddlewareHandler } from 'hono';
import { Gauge, type Registry } from 'prom-client';
import { type HistogramChild, RequestHistogram } from './request-histogram.ts';

/** Timing of one request, without an allocation per request: begin() returns the start, end() records it. */
export interface RequestMetrics {
  /** Counts the request in flight; returns its start (ms). */
  begin(): number;
  /** `route`: the request's path (labelled as route() says). */
  end(route: string, status: number, started: number): void;
}

/** Seconds: from a healthcheck's millisecond to a query at the request timeout (main.request-timeout, 120 s). */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class HttpMetrics implements RequestMetrics {
  private readonly duration: RequestHistogram<'route' | 'status'>;
  /** Read by the gauge when scraped: prom-client's inc() and dec() hash the (empty) labels on every call. */
  private inFlight = 0;
  private readonly known: ReadonlySet<string>;
  /** The histogram's child per route label and status class, resolved once. */
  private readonly observers = new Map<string, Array<HistogramChild<'route' | 'status'> | undefined>>();

  /** `paths`: the endpoints that get a label of their own; others are "other" (bounded label values). */
  constructor(registry: Registry, paths: readonly string[]) {
    const registers = [registry];
    this.known = new Set(paths);
    this.duration = new RequestHistogram(
      'cc_metric_store_http_request_duration_seconds',
      'Time from a request to its answer (body read included), by endpoint and status class',
      BUCKETS,
      registry,
    );
    const metrics = this;
    new Gauge({
      name: 'cc_metric_store_http_requests_in_flight',
      help: 'Requests being answered',
      registers,
      collect() {
        this.set(metrics.inFlight);
      },
    });
  }

  /** The endpoint of a path as a label: `/api/query` (with or without the slash), `/swagger`, `/viewer` or `other`. */
  route(path: string): string {
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (this.known.has(p)) return p;
    for (const prefix of ['/swagger', '/viewer']) if (p === prefix || p.startsWith(`${prefix}/`)) return prefix;
    return 'other';
  }

  begin(): number {
    this.inFlight++;
    return performance.now();
  }

  end(path: string, status: number, started: number): void {
    this.inFlight--;
    this.observer(path, status).observe((performance.now() - started) / 1000);
  }

  private observer(path: string, status: number): HistogramChild<'route' | 'status'> {
    const route = this.route(path);
    let byClass = this.observers.get(route);
    if (!byClass) this.observers.set(route, (byClass = []));
    return (byClass[Math.floor(status / 100)] ??= this.duration.child({ route, status: statusClass(status) }));
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = this.begin();
      try {
        await next();
      } finally {
        this.end(c.req.path, c.res.status, started);
      }
    };
  }
}

function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

// The HTTP API as a Hono app. Built by a factory so tests drive it through
// app.fetch with any MetricStore, and the runtime layer serves it.

import { Hono, type Handler } from 'hono';
import type { Authenticator } from '../auth/jwt.ts';
import type { RequestLimits } from '../config/types.ts';
import { DEFAULT_GZIP_MIN_SIZE, DEFAULT_LIMITS, DEFAULT_MAX_BODY_SIZE } from '../config/validate.ts';
import type { MetricStore } from '../engine/types.ts';
import { type Logger, silentLogger } from '../log.ts';
import { type Ingest, createIngest } from '../service/ingest.ts';
import type { IngestLimits } from '../ingest-report.ts';
import { requireAuth } from './auth-middleware.ts';
import type { BodyBuffers } from './body-buffers.ts';
import { errorResponse, failureOf } from './errors.ts';
import type { AppEnv, RouteDeps } from './routes/context.ts';
import { debugRoute } from './routes/debug.ts';
import { freeRoute } from './routes/free.ts';
import { healthcheckRoute } from './routes/healthcheck.ts';
import { type MonitoringRoutes, mountMonitoring } from './routes/monitoring.ts';
import { type QueryAnswerer, queryAnswerer, queryRoute } from './routes/query.ts';
import { type WriteAnswerer, writeAnswerer, writeRoute } from './routes/write.ts';
import { type DirectHandler, directHandler } from './direct-handler.ts';
import { type SwaggerAssetReader, mountSwagger } from './swagger.ts';
import { type ViewerFileReader, mountViewer } from './viewer.ts';

export interface AppOptions {
  store: MetricStore;
  /** What /api/write calls; defaults to the store's own ingest. */
  ingest?: Ingest;
  /** Null or absent: no authentication. */
  auth?: Authenticator | null;
  log?: Logger;
  /** -dev: serve Swagger UI at /swagger/ from these files. */
  dev?: { readSwaggerAsset: SwaggerAssetReader } | false;
  /** Largest request body in bytes (main.max-body-size). */
  maxBodySize?: number;
  /** Kept buffers the direct handler gathers write bodies into (api/body-buffers.ts); the owner releases them when idle. */
  bodyBuffers?: BodyBuffers;
  /** main.gzip-min-size (0: never gzip); default DEFAULT_GZIP_MIN_SIZE. */
  gzipMinSize?: number;
  /** Request limits (main.max-query-selectors, ...); those not given take their defaults. */
  limits?: Partial<RequestLimits>;
  /** The configured limits that write answers name (window, hosts per write, shard memory). */
  ingestLimits?: IngestLimits;
  /** Counters of the service shown by /api/debug without a selector. */
  status?: () => Record<string, unknown>;
  /** Serve the checkpoint viewer at /viewer/ from these files. */
  viewer?: { readFile: ViewerFileReader } | false;
  /** (ours) /metrics, /healthz, /readyz and the request metrics of every route. */
  monitoring?: MonitoringRoutes;
}

/** What /api/query and /api/write answer, shared by their Hono routes and the direct handler. */
export interface Answerers {
  query: QueryAnswerer;
  write: WriteAnswerer;
}

type RouteFactory = (deps: RouteDeps, answerers: Answerers) => Handler<AppEnv>;

/** The five endpoints of the reference with their methods (reference: query is GET only; POST is ours). */
export const API_ROUTES: ReadonlyArray<{ path: string; methods: readonly string[]; route: RouteFactory }> = [
  { path: '/api/query', methods: ['GET', 'POST'], route: (deps, a) => queryRoute(deps, a.query) },
  { path: '/api/write', methods: ['POST'], route: (deps, a) => writeRoute(deps, a.write) },
  { path: '/api/free', methods: ['POST'], route: freeRoute },
  { path: '/api/debug', methods: ['GET'], route: debugRoute },
  { path: '/api/healthcheck', methods: ['GET'], route: healthcheckRoute },
];

export function createApp(options: AppOptions): Hono<AppEnv> {
  return createApi(options).app;
}

export interface Api {
  app: Hono<AppEnv>;
  /**
   * Answers /api/query and /api/write straight from node:http's request
   * (direct-handler.ts), with the app's auth, limits, errors, logging and
   * request metrics; it leaves every other request to `app`.
   */
  direct: DirectHandler;
}

export function createApi(options: AppOptions): Api {
  const log = options.log ?? silentLogger;
  const deps: RouteDeps = {
    store: options.store,
    ingest: options.ingest ?? createIngest(options.store),
    log,
    maxBodySize: options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
    gzipMinSize: options.gzipMinSize ?? DEFAULT_GZIP_MIN_SIZE,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    ingestLimits: options.ingestLimits,
    status: options.status,
  };
  const answerers: Answerers = { query: queryAnswerer(deps), write: writeAnswerer(deps) };
  const app = new Hono<AppEnv>();
  const guard = options.auth ? requireAuth(options.auth) : null;
  // First, so that its middleware times every route below.
  if (options.monitoring) mountMonitoring(app, options.monitoring, guard);

  for (const { path, methods, route } of API_ROUTES) {
    const handler = route(deps, answerers);
    for (const p of [path, `${path}/`]) {
      if (guard) app.on([...methods], p, guard, handler);
      else app.on([...methods], p, handler);
      // HEAD is served by the GET handler; anything else on a known path is a 405.
      const allow = methods.includes('GET') ? [...methods, 'HEAD'] : [...methods];
      app.all(p, () => errorResponse(405, `method not allowed, use ${allow.join(' or ')}`, { allow: allow.join(', ') }));
    }
  }

  if (options.dev) mountSwagger(app, options.dev.readSwaggerAsset);
  if (options.viewer) mountViewer(app, options.viewer.readFile);

  app.notFound((c) => errorResponse(404, `no such endpoint: ${c.req.method} ${c.req.path}`));
  app.onError((err) => {
    const failure = failureOf(err, log);
    return errorResponse(failure.status, failure.message, failure.headers);
  });
  const direct = directHandler({
    answerers,
    auth: options.auth ?? null,
    log,
    maxBodySize: deps.maxBodySize,
    gzipMinSize: deps.gzipMinSize,
    requests: options.monitoring?.requests ?? null,
    bodyBuffers: options.bodyBuffers,
  });
  return { app, direct };
}

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { RequestLimits } from '../../config/types.ts';
import type { MetricStore } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import type { Ingest } from '../../service/ingest.ts';
import type { IngestLimits } from '../../ingest-report.ts';
import { readBody } from '../body.ts';

/** What @hono/node-server passes as `env`; absent under app.fetch. */
export interface AppBindings {
  incoming?: IncomingMessage;
}

export type AppEnv = { Bindings: AppBindings | undefined };
export type AppContext = Context<AppEnv>;

export interface RouteDeps {
  store: MetricStore;
  ingest: Ingest;
  log: Logger;
  maxBodySize: number;
  /** main.gzip-min-size: query answers from this size on are gzipped for clients that accept it; 0 = never. */
  gzipMinSize: number;
  /** main.max-query-selectors, main.max-query-points, ... */
  limits: RequestLimits;
  /** The configured limits that write answers name. */
  ingestLimits?: IngestLimits;
  /** Counters of the service (store memory, NATS, ...) shown by /api/debug without a selector. */
  status?: () => Record<string, unknown>;
}

export function bodyOf(c: AppContext, deps: RouteDeps): Promise<Uint8Array> {
  return readBody({ incoming: c.env?.incoming, request: c.req.raw }, deps.maxBodySize);
}

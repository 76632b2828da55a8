import type { HealthResult } from '../../engine/types.ts';
import { jsonString } from '../../engine/json-text.ts';
import { badRequest } from '../errors.ts';
import { checkSelectors } from '../query-limits.ts';
import { expectFields, optionalString, optionalStringArray, parseJsonBody, rejectUnknownFields } from '../json-input.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

interface HealthRequest {
  cluster: string;
  nodes: string[];
  metricNames: string[];
}

const HEALTH_FIELDS = ['cluster', 'nodes', 'metric-names'] as const;
const BODY = 'an object {"cluster", "nodes", "metric-names"}';

/**
 * GET /api/healthcheck with the reference's body {"cluster", "nodes",
 * "metric-names"} (unknown fields are a 400), or (ours) without a body as
 * ?cluster=C&node=N (repeatable or comma-separated; optional &metric=M, else
 * every configured metric).
 */
export function healthcheckRoute(deps: RouteDeps) {
  return async (c: AppContext) => {
    const body = await bodyOf(c, deps);
    const req = body.byteLength > 0 ? fromBody(body) : fromQuery(c, Object.keys(deps.store.metrics));
    checkSelectors(req.nodes.length * req.metricNames.length, deps.limits.maxQuerySelectors, 'healthcheck asks for');
    const result = deps.store.healthCheck(req.cluster, req.nodes, req.metricNames);
    return c.body(healthJson(result), 200, { 'content-type': 'application/json' });
  };
}

/**
 * The answer as the reference's json.Encoder writes its map[string]HealthCheckResult:
 * nodes sorted by their bytes, strings escaped HTML-safe, a newline at the end.
 */
export function healthJson(result: Record<string, HealthResult>): string {
  const nodes = Object.keys(result).sort(byCodePoints);
  const entries = nodes.map((node) => {
    const r = result[node];
    return `${jsonString(node)}:{"State":${jsonString(r.State)},"HealthMetrics":${jsonString(r.HealthMetrics)}}`;
  });
  return `{${entries.join(',')}}\n`;
}

/** Go sorts map keys by their UTF-8 bytes, which is code point order (not UTF-16 unit order). */
function byCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function fromBody(body: Uint8Array): HealthRequest {
  try {
    // HealthCheckReq's fields, matched case-insensitively like encoding/json; `dec.DisallowUnknownFields()`
    const obj = expectFields(parseJsonBody(body, BODY), '', HEALTH_FIELDS);
    rejectUnknownFields(obj, HEALTH_FIELDS, '');
    return {
      cluster: optionalString(obj, 'cluster', '') ?? '',
      nodes: optionalStringArray(obj, 'nodes', '') ?? [],
      metricNames: optionalStringArray(obj, 'metric-names', '') ?? [],
    };
  } catch (e) {
    throw badRequest(`parsing request body failed: ${(e as Error).message}`);
  }
}

function fromQuery(c: AppContext, allMetrics: string[]): HealthRequest {
  const cluster = c.req.query('cluster');
  const nodes = listParam(c.req.queries('node'));
  if (!cluster || nodes.length === 0) {
    throw badRequest(`expected a JSON body (${BODY}) or the query parameters ?cluster=..&node=..`);
  }
  const metrics = listParam(c.req.queries('metric'));
  return { cluster, nodes, metricNames: metrics.length > 0 ? metrics : allMetrics };
}

function listParam(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).filter((v) => v !== '');
}

import { badRequest } from '../errors.ts';
import { expectObject, optionalString, optionalStringArray, parseJsonBody, rejectUnknownFields } from '../json-input.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

interface HealthRequest {
  cluster: string;
  nodes: string[];
  metricNames: string[];
}

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
    const result = deps.store.healthCheck(req.cluster, req.nodes, req.metricNames);
    return c.body(JSON.stringify(result) + '\n', 200, { 'content-type': 'application/json' });
  };
}

function fromBody(body: Uint8Array): HealthRequest {
  try {
    const obj = expectObject(parseJsonBody(body, BODY), '');
    rejectUnknownFields(obj, ['cluster', 'nodes', 'metric-names'], '');
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

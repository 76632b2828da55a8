// The bounds of one query (README "Limits"): how many selectors a body may
// expand to, counted before the engine does any work, and how many points
// its answer may hold, which the engine enforces as it writes the answer.

import type { MetricTable, QueryRequest, QuerySpec } from '../engine/types.ts';
import { withDeviceLevel } from '../engine/device-query.ts';
import { badRequest, type HttpError } from './errors.ts';

export const SELECTORS_KEY = 'main.max-query-selectors';
export const POINTS_KEY = 'main.max-query-points';

/**
 * The (type-id x subtype-id) pairs a query reaches, aggregated or not: the
 * engine walks every pair either way. An empty or absent list counts as one.
 */
export function selectorsOf(spec: QuerySpec): number {
  const q = withDeviceLevel(spec);
  if (q.type == null) return 1;
  const typeIds = Math.max(1, q['type-ids']?.length ?? 0);
  const subIds = q.subtype == null ? 1 : Math.max(1, q['subtype-ids']?.length ?? 0);
  return typeIds * subIds;
}

/** Selectors of a whole body: its queries, and for-all-nodes' hosts x metrics (`hosts` is asked only then). */
export function querySelectorCount(req: QueryRequest, hosts: () => number): number {
  let n = 0;
  for (const q of req.queries) n += selectorsOf(q);
  const fan = req['for-all-nodes'];
  if (fan != null && fan.length > 0) n += hosts() * fan.length;
  return n;
}

/** A 400 when `count` selectors are more than `limit`; `what` names them in the message. */
export function checkSelectors(count: number, limit: number, what = 'query expands to'): void {
  if (count > limit) throw badRequest(`${what} ${count} selectors (limit ${SELECTORS_KEY} = ${limit})`);
}

/**
 * The most points an answer to `req` can hold: per entry (a selector, or a
 * for-all-nodes host and metric) one per metric frequency of the span, and
 * two for the ends; entries of unknown metrics hold none. The engine counts
 * the real points against main.max-query-points; this bound only says when
 * it cannot be passed (query.ts streams only then).
 */
export function answerPointsBound(req: QueryRequest, metrics: MetricTable, hosts: () => number): number {
  const span = Math.max(0, req.to - req.from);
  const perEntry = (metric: string) => {
    const f = Object.hasOwn(metrics, metric) ? metrics[metric]!.frequency : 0;
    return f > 0 ? Math.floor(span / f) + 2 : 0;
  };
  let n = 0;
  for (const q of req.queries) n += selectorsOf(q) * perEntry(q.metric);
  const fan = req['for-all-nodes'];
  if (fan != null && fan.length > 0) for (const metric of fan) n += hosts() * perEntry(metric);
  return n;
}

export function tooManyPoints(limit: number): HttpError {
  return badRequest(`query answer would hold more than ${limit} points (limit ${POINTS_KEY} = ${limit})`);
}

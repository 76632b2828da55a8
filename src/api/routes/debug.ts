import { badRequest } from '../errors.ts';
import type { AppContext, RouteDeps } from './context.ts';

/**
 * GET /api/debug?selector=cluster:host: the chunk layout of a subtree as JSON.
 * (ours) Without a selector the dump also carries the service's counters
 * (store memory, NATS) under "service", next to the reference's "data".
 */
export function debugRoute(deps: RouteDeps) {
  return (c: AppContext) => {
    const raw = c.req.query('selector') ?? '';
    const selector = raw === '' ? [] : raw.split(':');
    const dump = deps.store.debugDump(selector);
    if (dump === null) throw badRequest(`not found: no level at selector "${raw}"`);
    const body = selector.length === 0 && deps.status ? withService(dump, deps.status()) : dump;
    return c.body(body, 200, { 'content-type': 'application/json' });
  };
}

/** Adds a "service" member to the dump's top-level object without re-parsing the dump. */
function withService(dump: string, status: Record<string, unknown>): string {
  const end = dump.lastIndexOf('}');
  return `${dump.slice(0, end)},"service":${JSON.stringify(status)}${dump.slice(end)}`;
}

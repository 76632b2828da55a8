import { badRequest } from '../errors.ts';
import type { AppContext, RouteDeps } from './context.ts';

/** GET /api/debug?selector=cluster:host: the chunk layout of a subtree as JSON. */
export function debugRoute(deps: RouteDeps) {
  return (c: AppContext) => {
    const raw = c.req.query('selector') ?? '';
    const selector = raw === '' ? [] : raw.split(':');
    const dump = deps.store.debugDump(selector);
    if (dump === null) throw badRequest(`not found: no level at selector "${raw}"`);
    return c.body(dump, 200, { 'content-type': 'application/json' });
  };
}

import { parseQueryRequest } from '../query-request.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/** GET or POST /api/query: JSON body in, the engine's JSON answer out. `?version=` is ignored. */
export function queryRoute(deps: RouteDeps) {
  return async (c: AppContext) => {
    const request = parseQueryRequest(await bodyOf(c, deps));
    return c.body(deps.store.query(request) as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json' });
  };
}

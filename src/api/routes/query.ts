import { QueryLimitError } from '../../engine/query-steps.ts';
import { checkSelectors, querySelectorCount, tooManyPoints } from '../query-limits.ts';
import { parseQueryRequest } from '../query-request.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/**
 * GET or POST /api/query: JSON body in, the engine's JSON answer out. `?version=` is ignored.
 * The selectors are counted before the engine starts; the answer comes in
 * steps, between which other requests are served.
 */
export function queryRoute(deps: RouteDeps) {
  return async (c: AppContext) => {
    const request = parseQueryRequest(await bodyOf(c, deps));
    const { maxQuerySelectors, maxQueryPoints } = deps.limits;
    checkSelectors(querySelectorCount(request, () => deps.store.listChildren([request.cluster]).length), maxQuerySelectors);
    let answer: Uint8Array;
    try {
      answer = await deps.store.queryAsync(request, { maxPoints: maxQueryPoints });
    } catch (e) {
      throw e instanceof QueryLimitError ? tooManyPoints(maxQueryPoints) : e;
    }
    return c.body(answer as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json' });
  };
}

import { QueryLimitError } from '../../engine/query-steps.ts';
import { encodeAnswer } from '../answer-encoding.ts';
import { checkSelectors, querySelectorCount, tooManyPoints } from '../query-limits.ts';
import { parseQueryRequest } from '../query-request.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/** A query body in, the engine's JSON answer out; an HttpError for a bad body or a limit. */
export type QueryAnswerer = (body: Uint8Array) => Promise<Uint8Array>;

/**
 * GET or POST /api/query: JSON body in, the engine's JSON answer out. `?version=` is ignored.
 * The selectors are counted before the engine starts; the answer comes in
 * steps, between which other requests are served.
 */
export function queryAnswerer(deps: RouteDeps): QueryAnswerer {
  const { maxQuerySelectors, maxQueryPoints } = deps.limits;
  const options = { maxPoints: maxQueryPoints };
  return async (body) => {
    const request = parseQueryRequest(body);
    checkSelectors(querySelectorCount(request, () => deps.store.listChildren([request.cluster]).length), maxQuerySelectors);
    try {
      return await deps.store.queryAsync(request, options);
    } catch (e) {
      throw e instanceof QueryLimitError ? tooManyPoints(maxQueryPoints) : e;
    }
  };
}

/** The Hono route around `answer` (app.fetch, and requests the direct handler leaves to Hono). */
export function queryRoute(deps: RouteDeps, answer: QueryAnswerer = queryAnswerer(deps)) {
  return async (c: AppContext) => {
    const bytes = await answer(await bodyOf(c, deps));
    const sent = await encodeAnswer(bytes, c.req.header('accept-encoding'), deps.gzipMinSize);
    return c.body(sent.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json', ...sent.headers });
  };
}

import { QueryLimitError } from '../../engine/query-steps.ts';
import type { QueryRequest } from '../../engine/types.ts';
import { encodeAnswer } from '../answer-encoding.ts';
import { answerPointsBound, checkSelectors, querySelectorCount, tooManyPoints } from '../query-limits.ts';
import { parseQueryRequest } from '../query-request.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/** Answers of at least this many points (by their bound) are written as they are produced, where the store can. */
export const STREAM_MIN_POINTS = 1 << 17;

/** A query body parsed and its selectors counted. */
export interface PreparedQuery {
  request: QueryRequest;
  /** The most points its answer can hold (answerPointsBound). */
  pointsBound: number;
}

export interface QueryAnswerer {
  /** Parses the body and checks its selectors; an HttpError for a bad body or too many selectors. */
  prepare(body: Uint8Array): PreparedQuery;
  /**
   * The whole answer; an HttpError when it would hold more than main.max-query-points.
   * The answer itself when the engine had it in one step (a small query), else a promise.
   */
  whole(query: PreparedQuery): Uint8Array | Promise<Uint8Array>;
  /**
   * Null unless `query` is big enough to stream and cannot pass the points limit
   * (so no 400 can be due after the first byte); else writes the answer as it is
   * produced (see MetricStore.queryStream).
   */
  streamer(query: PreparedQuery): ((write: (chunk: Uint8Array) => Promise<void> | undefined) => Promise<void>) | null;
}

/**
 * GET or POST /api/query: JSON body in, the engine's JSON answer out. `?version=` is ignored.
 * The selectors are counted before the engine starts; the answer comes in
 * steps, between which other requests are served.
 */
export function queryAnswerer(deps: RouteDeps): QueryAnswerer {
  const { maxQuerySelectors, maxQueryPoints } = deps.limits;
  const options = { maxPoints: maxQueryPoints };
  const store = deps.store;
  return {
    prepare(body) {
      const request = parseQueryRequest(body);
      let hosts = -1;
      const hostCount = () => (hosts < 0 ? (hosts = store.listChildren([request.cluster]).length) : hosts);
      checkSelectors(querySelectorCount(request, hostCount), maxQuerySelectors);
      return { request, pointsBound: answerPointsBound(request, store.metrics, hostCount) };
    },
    whole({ request }) {
      const limited = (e: unknown) => (e instanceof QueryLimitError ? tooManyPoints(maxQueryPoints) : e);
      let answer: Uint8Array | Promise<Uint8Array>;
      try {
        answer = store.queryNow ? store.queryNow(request, options) : store.queryAsync(request, options);
      } catch (e) {
        throw limited(e);
      }
      return answer instanceof Uint8Array ? answer : answer.catch((e: unknown) => Promise.reject(limited(e)));
    },
    streamer({ request, pointsBound }) {
      if (!store.queryStream || pointsBound < STREAM_MIN_POINTS || pointsBound > maxQueryPoints) return null;
      return (write) => store.queryStream!(request, options, write);
    },
  };
}

/** The Hono route around `answer` (app.fetch, and requests the direct handler leaves to Hono): always the whole answer. */
export function queryRoute(deps: RouteDeps, answer: QueryAnswerer = queryAnswerer(deps)) {
  return async (c: AppContext) => {
    const bytes = await answer.whole(answer.prepare(await bodyOf(c, deps)));
    const sent = await encodeAnswer(bytes, c.req.header('accept-encoding'), deps.gzipMinSize);
    return c.body(sent.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json', ...sent.headers });
  };
}

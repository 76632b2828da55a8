import { badRequest } from '../errors.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/**
 * POST /api/write?cluster=NAME: line protocol in, 200 with an empty body out.
 * The body stays bytes from the socket to the engine. A malformed line is a 400
 * naming it; the lines before it are kept.
 */
export function writeRoute(deps: RouteDeps) {
  return async (c: AppContext) => {
    const cluster = c.req.query('cluster') ?? '';
    const result = await deps.ingest(await bodyOf(c, deps), cluster);
    if (result.dropped > 0) {
      deps.log.warn(`/api/write: dropped ${result.dropped} samples older than anything held or beyond memory`);
    }
    if (result.error) throw badRequest(`line ${result.error.line}: ${result.error.message}`);
    if (deps.log.enabled('debug')) {
      deps.log.debug(`/api/write: ${result.accepted} samples stored, ${result.skipped} lines skipped`);
    }
    return c.body(null, 200);
  };
}

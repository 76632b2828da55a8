import { badRequest } from '../errors.ts';
import { expectStrings, parseJsonBody } from '../json-input.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

const SELECTORS = 'a list of selectors like [["cluster", "host"], ...]';

/** POST /api/free?to=TS, body [["cluster","host",...], ...]: frees old chunks, answers "buffers freed: N". */
export function freeRoute(deps: RouteDeps) {
  return async (c: AppContext) => {
    const rawTo = c.req.query('to');
    if (!rawTo) throw badRequest("'to' is a required query parameter");
    if (!/^[+-]?\d+$/.test(rawTo)) throw badRequest(`'to' must be an integer (Unix seconds), got "${rawTo}"`);
    const to = Number(rawTo);

    const selectors = parseJsonBody(await bodyOf(c, deps), SELECTORS) ?? [];
    if (!Array.isArray(selectors)) throw badRequest(`request body: expected ${SELECTORS}`);
    selectors.forEach((selector, i) => {
      if (!Array.isArray(selector)) throw badRequest(`[${i}]: expected a selector like ["cluster", "host"]`);
      expectStrings(selector, `[${i}]`);
    });

    let freed = 0;
    for (const selector of selectors as string[][]) freed += deps.store.free(selector, to);
    return c.text(`buffers freed: ${freed}\n`);
  };
}

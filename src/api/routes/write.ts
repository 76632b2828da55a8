import type { IngestBody, IngestResult } from '../../engine/types.ts';
import { LogLimiter } from '../../log-limiter.ts';
import { WalWriteError } from '../../service/ingest.ts';
import { rejectionCounts, rejectionMessage } from '../../ingest-report.ts';
import { errorBody } from '../errors.ts';
import { type AppContext, type RouteDeps, bodyOf } from './context.ts';

/** Seconds a client is asked to wait before it sends again to a full store. */
export const STORE_FULL_RETRY_AFTER = 60;

/** The answer to a write: 200 with no body, or an error body with its headers. */
export interface WriteOutcome {
  status: number;
  /** Null: the empty 200 (its `headers` say Content-Length: 0). */
  body: string | null;
  headers: Record<string, string>;
}

/**
 * The outcome as it is when the write path answered without a promise (a
 * small write: the direct handler answers in the same turn). The body is read
 * within the call (service/ingest.ts), so its buffers may be freed on return.
 */
export type WriteAnswerer = (body: IngestBody, cluster: string) => WriteOutcome | Promise<WriteOutcome>;

/** Content-Length: 0, as the reference (Go's net/http) answers: not chunked, the head is the whole answer. */
const STORED: WriteOutcome = Object.freeze({ status: 200, body: null, headers: Object.freeze({ 'content-length': '0' }) as Record<string, string> });

/**
 * POST /api/write?cluster=NAME: line protocol in. 200 with an empty body only
 * when every sample of the body is stored and in the WAL (lines of metrics not
 * configured are skipped, as in the reference). Otherwise the answer says what
 * happened, with the counts (a partial write: what was stored stays): 400 for
 * rejected or malformed lines, 507 with Retry-After when a shard is full, 500
 * when the WAL could not be written. The body stays bytes from the socket to
 * the engine.
 */
export function writeAnswerer(deps: RouteDeps): WriteAnswerer {
  const rejectionLog = new LogLimiter(10, 10_000);
  const walFailureLog = new LogLimiter(5, 10_000);
  const walFailed = (err: unknown): WriteOutcome => {
    if (!(err instanceof WalWriteError)) throw err;
    const r = err.result;
    const samples = `${r.accepted} sample${r.accepted === 1 ? '' : 's'}`;
    const message = `the WAL could not be written (${err.message}); ${samples} stored in memory only, to be written by the next checkpoint`;
    walFailureLog.log((m) => deps.log.error(m), `/api/write: ${message}`);
    return failed(500, message, {}, rejectionCounts(r));
  };
  const answer = (result: IngestResult, cluster: string): WriteOutcome => {
    if (result.rejected === 0 && !result.error) {
      if (deps.log.enabled('debug')) {
        deps.log.debug(`/api/write: ${result.accepted} samples stored, ${result.skipped} lines skipped`);
      }
      return STORED;
    }
    const message = rejectionMessage(result, deps.ingestLimits);
    const full = (result.reasons['store-full'] ?? 0) > 0;
    rejectionLog.log((m) => deps.log.warn(m), `/api/write (cluster ${JSON.stringify(cluster)}): ${message}`);
    return failed(full ? 507 : 400, message, full ? { 'retry-after': String(STORE_FULL_RETRY_AFTER) } : {}, rejectionCounts(result));
  };
  return (body, cluster) => {
    let result: IngestResult | Promise<IngestResult>;
    try {
      result = deps.ingest(body, cluster);
    } catch (err) {
      return walFailed(err);
    }
    if (result instanceof Promise) return result.then((r) => answer(r, cluster), walFailed);
    return answer(result, cluster);
  };
}

function failed(status: number, message: string, headers: Record<string, string>, extra: Record<string, unknown>): WriteOutcome {
  return { status, body: errorBody(status, message, extra), headers: { 'content-type': 'application/json', ...headers } };
}

/** The Hono route around `answer` (app.fetch, and requests the direct handler leaves to Hono). */
export function writeRoute(deps: RouteDeps, answer: WriteAnswerer = writeAnswerer(deps)) {
  return async (c: AppContext) => {
    const cluster = c.req.query('cluster') ?? '';
    const outcome = await answer(await bodyOf(c, deps), cluster);
    if (outcome.body === null) return c.body(null, 200, outcome.headers);
    return new Response(outcome.body, { status: outcome.status, headers: outcome.headers });
  };
}

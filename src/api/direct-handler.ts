// /api/query and /api/write answered straight from node:http's request and
// response, without the Web-standard Request/Response, Hono's context and its
// router: on a small query those cost more than the engine does (docs/engine.md
// "Where the time goes"). What the client sees is what the Hono routes answer:
// the same answerers (routes/query.ts, routes/write.ts), auth check, body limit,
// error bodies, logging and request metrics. Anything this handler does not
// recognise with certainty (another method, a percent-encoded or unusual URL or
// Host header) is left to the Hono app, which answers it as before.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/jwt.ts';
import type { Logger } from '../log.ts';
import type { RequestMetrics } from '../monitor/http-metrics.ts';
import { NO_HEADERS, acceptsGzip, encodeAnswer } from './answer-encoding.ts';
import type { BodyBuffers } from './body-buffers.ts';
import { readIncomingBody, readIncomingChunks, takeCompleteBody } from './body.ts';
import { releaseBodyMemory } from './body-release.ts';
import { errorBody, failureOf } from './errors.ts';
import type { QueryAnswerer } from './routes/query.ts';
import type { WriteAnswerer } from './routes/write.ts';

/** True when it took the request; false leaves it to the next listener (the Hono app). */
export type DirectHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface DirectHandlerOptions {
  answerers: { query: QueryAnswerer; write: WriteAnswerer };
  auth: Authenticator | null;
  log: Logger;
  maxBodySize: number;
  gzipMinSize: number;
  requests: RequestMetrics | null;
  /** Kept buffers a write body is gathered into as it arrives (api/body-buffers.ts); none: its chunks are kept. */
  bodyBuffers?: BodyBuffers | undefined;
}

type Route = '/api/query' | '/api/write';

/** @hono/node-server's test of a Host it takes as it is (anything else it parses with URL and may refuse). */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
/** Characters of a query string that Hono decodes: such a request goes to Hono. */
const ENCODED_QUERY = /[%+#\\]/;

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function directHandler(options: DirectHandlerOptions): DirectHandler {
  const { answerers, auth, log, maxBodySize, gzipMinSize, requests, bodyBuffers } = options;

  const serve = async (route: Route, req: IncomingMessage, res: ServerResponse, query: string): Promise<void> => {
    const started = requests ? requests.begin() : 0;
    let status = 500;
    try {
      if (auth) {
        const checked = auth.check(req.headers.authorization);
        const failure = checked instanceof Promise ? await checked : checked;
        if (failure !== null) {
          status = sendError(res, req, 401, failure, { 'www-authenticate': 'Bearer' });
          return;
        }
      }
      if (route === '/api/query') {
        // A small query goes through without a promise (every step below is
        // synchronous when it can be): the body already parsed whole, the token
        // cached, the answer in one engine step, nothing to compress.
        const body = takeCompleteBody(req, maxBodySize) ?? (await readIncomingBody(req, maxBodySize));
        const query = answerers.query.prepare(body);
        const stream = gzipMinSize > 0 && acceptsGzip(req.headers['accept-encoding']) ? null : answerers.query.streamer(query);
        if (stream) {
          status = 200;
          await streamAnswer(res, stream);
        } else {
          const whole = answerers.query.whole(query);
          const answer = whole instanceof Uint8Array ? whole : await whole;
          const encoded = encodeAnswer(answer, req.headers['accept-encoding'], gzipMinSize);
          const sent = encoded instanceof Promise ? await encoded : encoded;
          status = 200;
          if (sent.headers === NO_HEADERS) sendJson(res, sent.body);
          else send(res, 200, { ...JSON_HEADERS, ...sent.headers }, sent.body);
        }
      } else {
        // A collector's write goes through without a promise too: its body
        // came with the head (one read of the socket), and the write path
        // answers as it is when the records are in the WAL files on return.
        const body = takeCompleteBody(req, maxBodySize) ?? (await readIncomingChunks(req, maxBodySize, bodyBuffers));
        let answered: ReturnType<WriteAnswerer>;
        try {
          answered = answerers.write(body, clusterOf(query));
        } finally {
          // The write path has copied the body into the engine within the call (its WAL records are
          // engine memory): the socket buffers can go now, also while the answer waits for an fsync;
          // a kept buffer the body was gathered into goes back for the next body instead.
          if (!bodyBuffers?.giveBackBody(body)) releaseBodyMemory(body);
        }
        const outcome = answered instanceof Promise ? await answered : answered;
        status = outcome.status;
        if (outcome.body === null) {
          // Content-Length: 0, as the reference (Go's net/http) sends it: the head is the whole answer, one write.
          res.writeHead(status, outcome.headers);
          res.end();
        } else {
          send(res, status, outcome.headers, outcome.body);
        }
      }
    } catch (err) {
      const failure = failureOf(err, log);
      status = sendError(res, req, failure.status, failure.message, failure.headers);
    } finally {
      requests?.end(route, status, started);
    }
  };

  // The last Host header found plain: a client sends the same one on every
  // request, and comparing it is cheaper than the pattern (no other state).
  let plainHost: string | null = null;
  return (req, res) => {
    const url = req.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const route = routeOf(path, req.method);
    if (route === null) return false;
    const query = queryAt < 0 ? '' : url.slice(queryAt + 1);
    if (query !== '' && ENCODED_QUERY.test(query)) return false;
    const host = req.headers.host ?? '';
    if (host !== plainHost) {
      if (!PLAIN_HOST.test(host)) return false;
      plainHost = host;
    }
    // Wait for the rest of the socket's read: node:http parses the body after
    // this event, and by the next tick a small one is there whole (takeCompleteBody).
    process.nextTick(serve, route, req, res, query);
    return true;
  };
}

function routeOf(path: string, method: string | undefined): Route | null {
  if (path === '/api/query' || path === '/api/query/') return method === 'GET' || method === 'POST' ? '/api/query' : null;
  if (path === '/api/write' || path === '/api/write/') return method === 'POST' ? '/api/write' : null;
  return null;
}

/** The first `cluster` parameter, as Hono's c.req.query('cluster') reads it (the query string has nothing encoded). */
export function clusterOf(query: string): string {
  for (let at = 0; at <= query.length; ) {
    let end = query.indexOf('&', at);
    if (end < 0) end = query.length;
    if (query.startsWith('cluster', at)) {
      if (end === at + 7) return '';
      if (query.charCodeAt(at + 7) === 61 /* = */) return query.slice(at + 8, end);
    }
    at = end + 1;
  }
  return '';
}

/** Writes an error answer; returns its status. A body left unread is drained, so that the connection can carry the next request. */
function sendError(res: ServerResponse, req: IncomingMessage, status: number, message: string, headers: Record<string, string>): number {
  if (!res.headersSent) {
    send(res, status, { ...JSON_HEADERS, ...headers }, errorBody(status, message));
  } else {
    res.destroy();
  }
  if (!req.readableEnded && headers.connection !== 'close') req.resume();
  return status;
}

/**
 * A big answer written as the engine produces it (chunked), the next step held
 * back while the socket's buffer is full. A failure after the first chunk can
 * no longer become an error answer: the connection is closed (sendError).
 */
async function streamAnswer(res: ServerResponse, stream: (write: (chunk: Uint8Array) => Promise<void> | undefined) => Promise<void>): Promise<void> {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  await stream((chunk) => {
    if (res.destroyed) throw new Error('client closed the connection during the answer');
    return res.write(chunk) ? undefined : drained();
  });
  res.end();
}

/**
 * A 200 of JSON, its head given whole to writeHead (node:http then writes it
 * without the setHeader table: no per-header validation and bookkeeping),
 * Content-Length spelled as node:http spells the one it adds.
 */
function sendJson(res: ServerResponse, body: Uint8Array): void {
  res.writeHead(200, { 'content-type': 'application/json', 'Content-Length': body.byteLength });
  res.end(body);
}

/** Headers set before end(body), so that node:http adds Content-Length (in the order Hono's adapter gives). */
function send(res: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  res.end(body);
}

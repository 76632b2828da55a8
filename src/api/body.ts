// Reading a request body exactly once, as bytes, within the size limit.
//
// Under @hono/node-server the body is read straight from the node:http
// IncomingMessage (c.env.incoming): the adapter gives GET requests no body
// stream, and cc-backend sends its queries as GET with a JSON body. Without an
// IncomingMessage (app.fetch in tests) the Request body is read instead.

import type { IncomingMessage } from 'node:http';
import { concatBytes } from '../engine/codec.ts';
import type { IngestBody } from '../engine/types.ts';
import type { BodyBuffers } from './body-buffers.ts';
import { HttpError } from './errors.ts';

export interface BodySource {
  incoming?: IncomingMessage | undefined;
  request: Request;
}

const EMPTY = new Uint8Array(0);

export function readBody({ incoming, request }: BodySource, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return incoming ? readIncoming(incoming, limit, declared) : readStream(request.body, limit);
}

/** The body of a node:http request (the direct handler's), with the same limit and errors. */
export function readIncomingBody(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return readIncoming(incoming, limit, declared);
}

/**
 * Node's node:http parses a small request's body within the read of the
 * socket that brought it, before anything queued from the 'request' event
 * runs: by then the body waits in the request's buffer and is taken here at
 * once, without listeners, a flowing stream and the promise of
 * readIncomingBody. Null when it cannot be taken so (not complete yet, or
 * already being read, or not Node's node:http): read it with readIncomingBody.
 * Throws readIncomingBody's 413 for a body above `limit`.
 */
export function takeCompleteBody(incoming: IncomingMessage, limit: number): Uint8Array | null {
  if (!NODE_HTTP || incoming.readableFlowing !== null || incoming.readableEnded) return null;
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const length = incoming.readableLength;
  // The parser hands out no more than the Content-Length: that much buffered is
  // the whole body, though the request is marked complete only a moment later.
  if (!incoming.complete && !(Number.isSafeInteger(declared) && length === declared)) return null;
  if (length > limit) throw tooLarge(limit);
  if (length === 0) return EMPTY;
  // read() of a paused stream hands out its whole buffer (the chunk itself when there is one).
  return (incoming.read() as Uint8Array | null) ?? EMPTY;
}

/** Node itself (Bun and Deno have node:http too, with other insides: they read the body with listeners, and their chunks' buffers are not known to be unshared). */
export const NODE_HTTP = typeof process !== 'undefined' && !process.versions.bun && !('Deno' in globalThis);

/**
 * A write's body, for the engine to read in place (engine/ingest-pieces.ts).
 * On Node, with `buffers`, it is gathered as it arrives into a buffer kept
 * from body to body, each socket chunk let go of once copied
 * (api/body-buffers.ts): a bulk body's chunks held to its end started a
 * mark-compact about once a body. The result is then a view of a lent
 * buffer: give it back with `buffers.giveBackBody` once the write path has
 * returned. Elsewhere, the chunks it arrived in (one chunk: a collector's
 * body), not copied into a buffer of their own. Same limit and errors.
 */
export function readIncomingChunks(incoming: IncomingMessage, limit: number, buffers?: BodyBuffers): Promise<IngestBody> {
  const declared = Number(incoming.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  if (buffers && NODE_HTTP) {
    const gathering = buffers.gather(declared, limit);
    return collectIncoming(incoming, limit, gathering.add, gathering.bytes, gathering.end);
  }
  const chunks: Uint8Array[] = [];
  return collectIncoming(
    incoming,
    limit,
    (chunk) => chunks.push(chunk),
    () => (chunks.length === 1 ? chunks[0]! : chunks),
  );
}

function tooLarge(limit: number): HttpError {
  // The rest of the body is not read, so the connection cannot carry another request.
  return new HttpError(413, `request body larger than ${limit} bytes (main.max-body-size)`, { connection: 'close' });
}

function readIncoming(incoming: IncomingMessage, limit: number, declared: number): Promise<Uint8Array> {
  // With a Content-Length the body ends up in one buffer: the socket's chunk
  // itself when it holds the whole body (node:http gives a collector-sized
  // body in one chunk), else a buffer of that length the chunks are copied
  // into as they arrive. No second copy of the whole body is made at the end.
  const sized = Number.isSafeInteger(declared) && declared > 0;
  let whole: Uint8Array | null = null;
  let filled = 0;
  const chunks: Uint8Array[] = [];
  const take = (chunk: Uint8Array, length: number) => {
    const at = filled;
    if (sized && chunks.length === 0 && length <= declared) {
      if (at === 0 && length === declared) {
        whole = chunk;
      } else {
        whole ??= new Uint8Array(declared);
        whole.set(chunk, at);
      }
      filled = length;
    } else {
      chunks.push(chunk);
    }
  };
  const finish = (): Uint8Array => {
    if (!sized) return concatBytes(chunks);
    if (whole && filled === declared && chunks.length === 0) return whole;
    // Node's parser holds a body to its Content-Length; should another runtime not, the bytes still count.
    return concatBytes(whole ? [whole.subarray(0, filled), ...chunks] : chunks);
  };
  return collectIncoming(incoming, limit, take, finish);
}

/**
 * Reads a node:http body to its end, handing each chunk to `take` (with the
 * body's length so far) while it stays within `limit`; `finish` makes the result,
 * `fail` (if any) is called when there is none (too large, aborted, an error).
 */
function collectIncoming<T>(
  incoming: IncomingMessage,
  limit: number,
  take: (chunk: Uint8Array, length: number) => void,
  finish: () => T,
  fail?: () => void,
): Promise<T | Uint8Array> {
  if (incoming.readableEnded) return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    let length = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onData = (chunk: Uint8Array) => {
      length += chunk.byteLength;
      if (length > limit) {
        done();
        fail?.();
        incoming.pause();
        reject(tooLarge(limit));
        return;
      }
      try {
        take(chunk, length);
      } catch (error) {
        // A buffer for the body could not be had (out of memory): the request fails, not the process.
        done();
        fail?.();
        incoming.pause();
        reject(error);
      }
    };
    const onEnd = () => {
      done();
      resolve(finish());
    };
    const onError = (error: Error) => {
      done();
      fail?.();
      reject(error);
    };
    const onAborted = () => onError(new Error('client closed the connection before the body was complete'));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
  });
}

async function readStream(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!stream) return EMPTY;
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(chunks);
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
}

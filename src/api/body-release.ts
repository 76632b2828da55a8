// Giving a write body's memory back as soon as the engine has its bytes.
//
// node:http reads the socket into a new buffer each time, outside the
// JavaScript heap, and frees it only when a garbage collection finds its
// ArrayBuffer unreachable. A bulk body's chunks live long enough to be
// promoted to the old generation, where only a full collection reaches them:
// when a fill ends, the chunks of its last bodies (up to V8's 64 MB of slack
// for external memory between full collections) stay resident for good. A
// full collection once the store has gone quiet freed them, but it cost the
// writes after it: with no request in flight, the maps of the request's
// objects die with it, and every optimised function specialised on them is
// deoptimised and compiled again (docs/engine.md "Memory after a fill").
//
// Detaching a chunk's ArrayBuffer (engine/detach-buffer.ts) gives its memory
// back at once (transfer), or hands it to the next scavenge (the fallback):
// frequent and cheap under load, and the collection the idle store runs on
// Node for the last bodies. Dead bodies then no longer count as V8's external
// memory, whose growth started a mark-compact every ~270 collector requests
// (docs/architecture.md, "Collector writes: the body's memory").

import { detachBuffer } from '../engine/detach-buffer.ts';
import type { IngestBody } from '../engine/types.ts';
import { NODE_HTTP } from './body.ts';


/** Chunks smaller than this are not worth the detach (about 2 us each on Node 20). */
const MIN_BYTES = 16 * 1024;

/**
 * Lets go of the memory of a body's chunks that own their buffer whole (Node's
 * HTTP parser copies each part of a body into a buffer of its own, also on a
 * pipelining connection). A view of part of a buffer is left as it is: it may
 * share the buffer with something else (Node's Buffer pool, for one). The
 * body's bytes are gone afterwards (its chunks are empty): call this only once
 * nothing reads them any more.
 */
export function releaseBodyMemory(body: IngestBody): void {
  // Node's node:http only: its chunks are known to own their buffers (Bun's and Deno's are left alone).
  if (!NODE_HTTP) return;
  if (Array.isArray(body)) {
    for (const chunk of body as readonly Uint8Array[]) detachOwned(chunk);
  } else {
    detachOwned(body as Uint8Array);
  }
}

/** Detaches `chunk`'s buffer when the chunk is the whole of it; true when it did. */
export function detachOwned(chunk: Uint8Array): boolean {
  if (chunk.byteOffset !== 0 || chunk.byteLength !== chunk.buffer.byteLength || chunk.byteLength < MIN_BYTES) return false;
  return detachBuffer(chunk.buffer);
}

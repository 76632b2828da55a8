// Giving a write body's memory back the moment the engine has copied it in.
//
// Node's node:http parser copies every body chunk out of its read buffer into
// an ArrayBuffer of its own (Buffer::Copy), memory outside the JavaScript heap
// that V8 frees only when a collection finds the buffer dead. Until then V8
// counts it against the old generation's slack: a collector's 59 KB body a
// request, dead as soon as it is stored, piled up 16 MB between scavenges and
// started a mark-compact of the whole heap every ~270 requests, about a third
// of the server's CPU a request (docs/architecture.md, "Where the time goes").
// Detaching the buffer (ArrayBuffer.prototype.transfer(0)) frees the memory at
// once and takes it off V8's count.

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

/** Node itself: Bun's and Deno's node:http hand over chunks whose buffers this code does not know to be unshared. */
const NODE_HTTP = typeof process !== 'undefined' && !process.versions.bun && !('Deno' in globalThis);

let transfer: Transfer | null | undefined;

/**
 * Frees the buffers of a body that node:http's parser made, once nothing reads
 * them any more (the write path has copied the body into the engine: see
 * service/ingest.ts). Chunks that do not own their whole buffer (a slice of
 * a pool, a view) are left alone; so is everything on Bun and Deno.
 */
export function releaseBody(body: Uint8Array | readonly Uint8Array[]): void {
  if (!NODE_HTTP) return;
  transfer ??= findTransfer();
  if (transfer === null) return;
  if (!Array.isArray(body)) release(body as Uint8Array, transfer);
  else for (const chunk of body as readonly Uint8Array[]) release(chunk, transfer);
}

function release(chunk: Uint8Array, detach: Transfer): void {
  const buffer = chunk.buffer;
  if (chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength || chunk.byteLength === 0) return;
  if (!(buffer instanceof ArrayBuffer)) return; // a SharedArrayBuffer cannot be detached
  detach.call(buffer, 0);
}

/**
 * ArrayBuffer.prototype.transfer: built in from Node 21 (V8 11.4) on. Node 20's
 * V8 11.3 has it behind --harmony-rab-gsab-transfer, which adds it to the
 * contexts created after the flag is set: one such context lends its
 * function, which detaches this context's buffers as well. Null when neither
 * way gives it (the bodies are then freed by V8's collections, as before).
 */
function findTransfer(): Transfer | null {
  const native = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (typeof native === 'function') return native;
  try {
    v8.setFlagsFromString('--harmony-rab-gsab-transfer');
    const lent = runInNewContext('ArrayBuffer.prototype.transfer') as unknown;
    return typeof lent === 'function' ? (lent as Transfer) : null;
  } catch {
    return null;
  }
}
